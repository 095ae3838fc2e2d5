"""`tfxflow submit` and `tfxflow schedule` against a local server of the KFP v2beta1 REST API that
refuses what KFP's API server refuses (tests/kfp_api_server.py), single- and multi-user."""
import copy
import datetime
import json
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tfxflow.pipelines.cli import main

from conftest import TFXFLOW
from kfp_api_server import FakeKfp
from kfp_local_executor import KFP_2_5, KFP_2_17

TOKEN = "s3cret-kfp-token-0123456789"
SPEC = """\
name: baker
ingest: {kind: baker, examples: 200, eval_examples: 100}
pusher: {serving_dir: gs://acme-models/baker}
kubeflow:
  image: ghcr.io/acme/tfxflow:1.0
  pipeline_root: gs://acme-pipelines/tfxflow
  schedule: {cron: "0 0 3 * * *", max_concurrency: 2, no_catchup: false}
"""


@pytest.fixture
def kfp():
    server = FakeKfp().start()
    yield server
    server.shutdown()


@pytest.fixture
def multi_user_kfp():
    server = FakeKfp(multi_user=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def spec(write_spec):
    return write_spec(SPEC)


def tfxflow(*args, env=None):
    result = CliRunner().invoke(main, [str(arg) for arg in args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_submit_uploads_the_compiled_pipeline_and_starts_a_run_in_an_experiment(kfp, spec):
    code, out, err = tfxflow("submit", spec, "--endpoint", kfp.url, "--token", TOKEN,
                             "--set", "kubeflow.service_account=trainer-sa")
    assert code == 0, err
    [run] = kfp.runs.values()
    [version] = kfp.versions.values()
    [experiment] = kfp.experiments.values()
    assert experiment["display_name"] == "tfxflow-baker" and run["experiment_id"] == experiment["experiment_id"]
    assert run["display_name"] == "baker" and run["runtime_config"] == {"pipeline_root": "gs://acme-pipelines/tfxflow"}
    assert run["service_account"] == "trainer-sa"
    assert run["pipeline_version_reference"] == {"pipeline_id": version["pipeline_id"],
                                                 "pipeline_version_id": version["pipeline_version_id"]}
    uploaded = version["pipeline_spec"]
    assert uploaded["pipelineInfo"]["name"] == "baker" and uploaded["schemaVersion"] == "2.1.0"
    assert uploaded["defaultPipelineRoot"] == "gs://acme-pipelines/tfxflow"  # what KFP's UI starts runs with
    images = {e["container"]["image"] for e in uploaded["deploymentSpec"]["executors"].values()}
    assert images == {"ghcr.io/acme/tfxflow:1.0"}
    assert all(request["authorization"] == f"Bearer {TOKEN}" for request in kfp.requests)
    assert run["run_id"] in out and "experiment tfxflow-baker" in out and TOKEN not in out + err

    code, out, err = tfxflow("submit", spec, "--endpoint", kfp.url, "--experiment", "nightly")
    assert code == 0, err
    assert sorted(e["display_name"] for e in kfp.experiments.values()) == ["nightly", "tfxflow-baker"]


def test_multi_user_kubeflow_needs_a_namespace_and_gets_experiment_and_pipeline_in_it(multi_user_kfp, spec):
    code, out, err = tfxflow("submit", spec, "--endpoint", multi_user_kfp.url)
    assert code == 1 and multi_user_kfp.runs == {}
    [line] = err.splitlines()
    assert line.endswith("An experiment cannot have an empty namespace in multi-user mode")

    code, out, err = tfxflow("submit", spec, "--endpoint", multi_user_kfp.url, "--namespace", "team-a")
    assert code == 0, err
    [run] = multi_user_kfp.runs.values()
    [experiment] = multi_user_kfp.experiments.values()
    [pipeline] = multi_user_kfp.pipelines.values()
    assert experiment["namespace"] == pipeline["namespace"] == "team-a"
    assert run["experiment_id"] == experiment["experiment_id"]

    code, out, err = tfxflow("schedule", spec, "--endpoint", multi_user_kfp.url, "--namespace", "team-a")
    assert code == 0, err
    [recurring] = multi_user_kfp.recurring_runs.values()
    assert recurring["experiment_id"] == experiment["experiment_id"]
    code, out, err = tfxflow("schedule", spec, "--endpoint", multi_user_kfp.url, "--namespace", "team-a", "--list")
    assert code == 0 and recurring["recurring_run_id"] in out


def test_schedule_creates_an_enabled_cron_run_and_rescheduling_replaces_it(kfp, spec, write_spec):
    code, out, err = tfxflow("schedule", spec, "--endpoint", kfp.url, env={"KFP_TOKEN": TOKEN})
    assert code == 0, err
    [first] = kfp.recurring_runs.values()
    assert first["trigger"] == {"cron_schedule": {"cron": "0 0 3 * * *"}}
    assert (first["max_concurrency"], first["no_catchup"], first["mode"]) == ("2", False, "ENABLE")
    assert first["runtime_config"]["pipeline_root"] == "gs://acme-pipelines/tfxflow"
    assert all(request["authorization"] == f"Bearer {TOKEN}" for request in kfp.requests)

    changed = write_spec(SPEC.replace("0 0 3 * * *", "0 30 4 * * MON-FRI").replace("200", "300"))
    code, out, err = tfxflow("schedule", changed, "--endpoint", kfp.url, env={"KFP_TOKEN": TOKEN})
    assert code == 0, err
    [second] = kfp.recurring_runs.values()  # replaced, not added
    assert second["recurring_run_id"] != first["recurring_run_id"]
    assert second["trigger"]["cron_schedule"]["cron"] == "0 30 4 * * MON-FRI"
    assert len(kfp.pipelines) == 1 and len(kfp.versions) == 2  # one pipeline, a new version
    assert second["pipeline_version_reference"]["pipeline_version_id"] != \
        first["pipeline_version_reference"]["pipeline_version_id"]

    code, out, err = tfxflow("schedule", changed, "--endpoint", kfp.url)  # unchanged: the version is reused
    assert code == 0, err
    assert len(kfp.versions) == 2 and len(kfp.recurring_runs) == 1

    assert {r["experiment_id"] for r in [first, second]} == {e["experiment_id"] for e in kfp.experiments.values()}

    code, out, _ = tfxflow("schedule", changed, "--endpoint", kfp.url, "--list")
    [recurring_id] = kfp.recurring_runs
    assert code == 0 and recurring_id in out and "0 30 4 * * MON-FRI" in out and "ENABLED" in out
    code, out, _ = tfxflow("schedule", changed, "--endpoint", kfp.url, "--delete")
    assert code == 0 and f"deleted {recurring_id}" in out and kfp.recurring_runs == {}


@pytest.mark.parametrize("cron", ["0 0 3 * *", "0 0 24 * * *", "0 0 3 * * 8", "0 0 3 ? * ?x", "every day"])
def test_invalid_cron_is_refused_before_any_request(kfp, spec, cron):
    code, out, err = tfxflow("schedule", spec, "--endpoint", kfp.url, "--set", f"kubeflow.schedule.cron={cron}")
    assert code == 2 and kfp.requests == []
    [line] = err.splitlines()
    assert line.startswith("--set kubeflow.schedule.cron: ") and repr(cron) in line


def test_http_error_is_one_line_with_status_endpoint_and_message(kfp, spec):
    kfp.fail_with = (403, "user is not authorized to access namespace kubeflow")
    code, out, err = tfxflow("submit", spec, "--endpoint", kfp.url, "--token", TOKEN)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line == (f"KFP GET {kfp.url}/apis/v2beta1/experiments: HTTP 403 Forbidden: "
                    "user is not authorized to access namespace kubeflow")
    assert TOKEN not in err


def test_unreachable_endpoint_is_one_line(spec):
    """Run as a user runs it (a process of its own, which compiles first and so configures logging as TF
    does): urllib3's retries must not print their warnings."""
    done = subprocess.run([TFXFLOW, "submit", str(spec), "--endpoint", "http://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("KFP GET http://127.0.0.1:9/apis/v2beta1/experiments: cannot connect")


def test_tls_is_verified_unless_turned_off(spec, tmp_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    server = FakeKfp(ssl_context=context).start()
    try:
        code, _, err = tfxflow("schedule", spec, "--endpoint", server.url, "--list")
        assert code == 1 and "CERTIFICATE_VERIFY_FAILED" in err and len(err.splitlines()) == 1
        code, out, err = tfxflow("schedule", spec, "--endpoint", server.url, "--list", "--no-verify-tls")
        assert code == 0 and "no recurring runs named baker in experiment tfxflow-baker" in out
        assert err.startswith("warning: TLS certificate verification is off")
    finally:
        server.shutdown()


def test_schedule_without_cron_says_what_is_missing(kfp, write_spec):
    spec = write_spec(SPEC.replace('  schedule: {cron: "0 0 3 * * *", max_concurrency: 2, no_catchup: false}\n', ""))
    code, _, err = tfxflow("schedule", spec, "--endpoint", kfp.url)
    assert code == 2 and err.strip().endswith("kubeflow.schedule.cron: required to schedule, e.g. '0 0 3 * * *' "
                                              "(03:00 daily)") and kfp.requests == []


def _self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize(
    "change, error",
    [
        ({"max_concurrency": 2}, "max_concurrency: expected int64 as a decimal string"),
        ({"maxConcurrency": "2"}, "maxConcurrency: unknown field"),
        ({"trigger": {"cron_schedule": {"cron": 5}}}, "trigger.cron_schedule.cron: expected str"),
        ({"mode": "ENABLED"}, "mode: expected one of ('ENABLE', 'DISABLE')"),
    ],
)
def test_the_server_refuses_bodies_that_do_not_fit_the_api(kfp, change, error):
    """The checks the tests rely on are real: a body KFP would not parse gets 400."""
    body = {"display_name": "baker", "max_concurrency": "1", "mode": "ENABLE",
            "trigger": {"cron_schedule": {"cron": "0 0 3 * * *"}}, **change}
    request = urllib.request.Request(f"{kfp.url}/apis/v2beta1/recurringruns", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400 and error in json.loads(refused.value.read())["message"]


@pytest.fixture(scope="module")
def compiled_spec(tmp_path_factory):
    """The baker pipeline as `tfxflow compile` writes it."""
    import yaml

    directory = tmp_path_factory.mktemp("compiled")
    (directory / "baker.yaml").write_text(SPEC)
    code, _, err = tfxflow("compile", directory / "baker.yaml", "--output", directory / "kfp.yaml")
    assert code == 0, err
    return yaml.safe_load((directory / "kfp.yaml").read_text())


def _resolver(spec):
    spec["deploymentSpec"]["executors"]["Trainer_executor"] = {"resolver": {"outputArtifactQueries": {}}}


def _tfx_producer_name(spec):  # what TFX 1.16 writes before tfxflow repairs it
    spec["root"]["dag"]["tasks"]["Evaluator"]["inputs"]["parameters"]["served_baseline"]["taskOutputParameter"][
        "producerTask"] = "InputFingerprint_task"


def _underscored_task(spec):  # as TFX names resolver nodes (baseline_model_resolver)
    tasks = spec["root"]["dag"]["tasks"]
    tasks["push_model"] = tasks.pop("Pusher")
    tasks["push_model"]["taskInfo"]["name"] = "push_model"


@pytest.mark.parametrize(
    "breaks, status, message",
    [
        (None, 200, None),
        (_resolver, 500, 'non-container and non-importer executor not implemented'),
        (_tfx_producer_name, 500, 'unknown producer task "InputFingerprint_task" in DAG'),
        (_underscored_task, 500, "name must consist of alpha-numeric characters or '-'"),
    ],
)
def test_runs_of_specs_kfp_cannot_compile_are_refused(kfp, compiled_spec, breaks, status, message):
    """tfxflow's compiled spec is accepted; the same spec as TFX alone would write it is not."""
    spec = copy.deepcopy(compiled_spec)
    if breaks:
        breaks(spec)
    version = {"pipeline_id": "p", "pipeline_version_id": "v", "display_name": "v", "pipeline_spec": spec}
    kfp.versions["v"] = version
    answer = _post(kfp, "runs", {"display_name": "baker", "pipeline_version_reference": {
        "pipeline_id": "p", "pipeline_version_id": "v"}})
    assert answer[0] == status and (message is None or message in answer[1]["message"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"schemaVersion": "2.0.0"}, "KFP only supports schema version 2.1.0, but the pipeline spec has version 2.0.0"),
        ({"pipelineInfo": {"name": "Baker_1"}}, "pipeline's name must contain only lowercase alphanumeric characters"),
    ],
)
def test_uploads_kfp_would_refuse_are_refused(kfp, compiled_spec, tmp_path, change, message):
    import yaml

    package = tmp_path / "kfp.yaml"
    package.write_text(yaml.safe_dump({**compiled_spec, **change}))
    from tfxflow.pipelines.kfp_client import KfpClient, KfpError

    with pytest.raises(KfpError, match="HTTP 500") as refused:
        KfpClient(kfp.url).upload("baker", package)
    assert message in str(refused.value)


def test_multi_user_runs_without_an_experiment_are_refused(multi_user_kfp, compiled_spec):
    multi_user_kfp.versions["v"] = {"pipeline_id": "p", "pipeline_version_id": "v", "display_name": "v",
                                    "pipeline_spec": compiled_spec}
    reference = {"pipeline_id": "p", "pipeline_version_id": "v"}
    status, body = _post(multi_user_kfp, "runs", {"display_name": "baker", "pipeline_version_reference": reference})
    assert status == 400 and body["message"].endswith("Experiment id can not be empty in multi-user mode")
    status, body = _post(multi_user_kfp, "recurringruns", {
        "display_name": "baker", "pipeline_version_reference": reference, "max_concurrency": "1",
        "trigger": {"cron_schedule": {"cron": "0 0 3 * * *"}}})
    assert status == 400 and body["message"].endswith("Experiment id can not be empty in multi-user mode")


def _post(kfp, path, body):
    request = urllib.request.Request(f"{kfp.url}/apis/v2beta1/{path}", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


MINIO_SPEC = SPEC.replace("gs://acme-models/baker", "minio://mlpipeline/models/baker").replace(
    "gs://acme-pipelines/tfxflow", "minio://mlpipeline/v2/artifacts")


@pytest.mark.parametrize("profile", [KFP_2_17, KFP_2_5], ids=lambda p: f"kfp-{p.version}")
def test_a_pipeline_on_kfps_own_store_is_uploaded_with_the_platform_spec_kfp_keeps(write_spec, profile):
    """KFP keeps the platform spec only if strict protojson reads it as one (v2_template.go@2.17.0:428-440);
    tfxflow's is kept, gives every executor the secret's keys as AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, and compiles at run creation on both releases."""
    server = FakeKfp(profile=profile).start()
    try:
        code, _, err = tfxflow("submit", write_spec(MINIO_SPEC), "--endpoint", server.url)
    finally:
        server.shutdown()
    assert code == 0, err
    [version] = server.versions.values()
    [run] = server.runs.values()
    assert run["runtime_config"] == {"pipeline_root": "minio://mlpipeline/v2/artifacts"}
    executors = version["pipeline_spec"]["deploymentSpec"]["executors"]
    configs = version["platform_spec"]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(configs) == set(executors)
    for label, config in configs.items():
        assert config == {"secretAsEnv": [{
            "keyToEnv": [{"envVar": "AWS_ACCESS_KEY_ID", "secretKey": "accesskey"},
                         {"envVar": "AWS_SECRET_ACCESS_KEY", "secretKey": "secretkey"}],
            "secretName": "mlpipeline-minio-artifact",
            "secretNameParameter": {"runtimeValue": {"constant": "mlpipeline-minio-artifact"}}}]}
        assert executors[label]["container"]["env"] == [{"name": "AWS_ENDPOINT_URL_S3",
                                                         "value": "http://seaweedfs.kubeflow:9000"}]


def test_a_platform_document_kfp_cannot_read_is_dropped_and_one_with_unknown_executor_fields_fails_runs_at_2_17(
        compiled_spec, tmp_path):
    """What the emulated API server does with documents it does not expect, as KFP does: the reason
    the compiled platform spec follows the proto field for field."""
    import yaml

    from tfxflow.pipelines.kfp_client import KfpClient

    labels = list(compiled_spec["deploymentSpec"]["executors"])
    misspelt = {"platform": {"kubernetes": {"deploymentSpec": {"executors": {}}}}}  # not `platforms`
    unknown = {"platforms": {"kubernetes": {"deploymentSpec": {"executors": {
        labels[0]: {"secretAsEnv": [{"secretName": "s", "keyToEnvVar": []}]}}}}}}
    for profile, platform, run_status in [(KFP_2_17, misspelt, 200), (KFP_2_17, unknown, 500), (KFP_2_5, unknown, 200)]:
        server = FakeKfp(profile=profile).start()
        try:
            package = tmp_path / "kfp.yaml"
            package.write_text(yaml.safe_dump_all([compiled_spec, platform]))
            version = KfpClient(server.url).upload("baker", package)
            kept = server.versions[version.version_id]["platform_spec"]
            status, body = _post(server, "runs", {"display_name": "baker", "pipeline_version_reference": {
                "pipeline_id": version.pipeline_id, "pipeline_version_id": version.version_id}})
        finally:
            server.shutdown()
        assert kept == ({} if platform is misspelt else platform)
        assert status == run_status, body
        if status == 500:
            assert "failed to unmarshal kubernetes config: unknown field ['keyToEnvVar']" in body["message"]
