"""A content fingerprint as a component's execution parameter, so that its cache key follows the content.

    def __init__(self, path: str, fingerprint: Parameter): ...   # an ExampleGen keyed by its data's content

Locally it is the fingerprint's value (input_fingerprint/fingerprints.py computes it before the run);
on Kubeflow, a placeholder for the InputFingerprint task's output. The components that take one
import the type from here, not from input_fingerprint, which itself reads what some of them write.
"""
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # TFX imports TensorFlow: reading fingerprints (an unchanged rerun) needs neither
    from tfx.dsl.placeholder.placeholder import Placeholder

Parameter = Union[str, "Placeholder"]
