"""KFP's 6-field cron (pipelines/cron.py): what KFP accepts passes, everything else names its field."""
import pytest

from tfxflow.pipelines.cron import check_cron


@pytest.mark.parametrize("cron", ["0 0 3 * * *", "*/10 * * * * ?", "0 30 2 1-15 JAN-MAR MON,fri", "0 0 0 ? * SUN",
                                  "0 0/15 8-18 * * 1-5", "59 59 23 31 12 6"])
def test_kfp_crons_are_accepted(cron):
    assert check_cron(cron) == cron


@pytest.mark.parametrize(
    "cron, message",
    [
        ("0 0 3 * *", "got 5 field(s) in '0 0 3 * *'; for a 5-field cron, prepend the seconds: '0 0 0 3 * *'"),
        ("0 0 3 * * * *", "got 7 field(s)"),
        ("60 0 3 * * *", "seconds field '60' in '60 0 3 * * *': expected values in 0-59"),
        ("0 0 3 0 * *", "day of month field '0'"),
        ("0 0 3 * 13 *", "month field '13' in '0 0 3 * 13 *': expected values in 1-12 or JAN-DEC"),
        ("0 0 3 * * 7", "day of week field '7'"),
        ("0 0 5-1 * * *", "hours field '5-1' in '0 0 5-1 * * *': the range runs backwards"),
        ("0 */0 * * * *", "minutes field '*/0' in '0 */0 * * * *': expected a step between 1 and 60"),
        ("0 ? * * * *", "minutes field '?' in '0 ? * * * *': '?' is only allowed in the day fields"),
        ("0 0 3 * * MOON", "day of week field 'MOON'"),
        ("0 0 3 * * 1;2", "day of week field '1;2' in '0 0 3 * * 1;2': expected *, a number"),
    ],
)
def test_bad_crons_say_which_field_is_wrong(cron, message):
    with pytest.raises(ValueError) as refused:
        check_cron(cron)
    assert message in str(refused.value)
