"""Stage 4, measure and verify: the target's own pytest, run in a subprocess, before and after.

``pytestrun`` runs the target's pytest with the ``collector`` plugin (standard library only,
copied alone into the target's run); ``measurement`` turns its events into collection figures;
``spread`` says whether two trees' rounds differ more than their noise; ``history`` keeps them
in SQLite; ``session`` is one ``declone measure``, in rounds, interleaved with a baseline's
commit rebuilt by ``trees``. ``verify`` compares
test outcomes on the original and the migrated tree, choosing the tests with
``testselection``; ``batchverify`` does it after each batch of ``migrate --verify``;
``importcheck`` imports every changed module before and after each batch of ``migrate``.
"""

from declone.measure.batchverify import (
    BatchCheck,
    VerifyOptions,
    batch_lines,
    batch_verifier,
    summary_line,
    verification_summary,
)
from declone.measure.history import (
    HISTORY_PATH,
    InterleavedBaseline,
    StoredMeasurement,
    list_measurements,
    load_baseline,
    open_history,
)
from declone.measure.importcheck import (
    NOT_CHECKED,
    ImportCheck,
    ImportChecker,
    ImportCheckOptions,
    ModuleCheck,
    chain_batch_callbacks,
    import_check_document,
    import_check_lines,
    import_check_summary,
    import_modules,
    import_targets,
)
from declone.measure.measurement import (
    Comparison,
    Measurement,
    Round,
    compare_measurements,
    comparison_to_json,
    measurement_to_json,
)
from declone.measure.pytestrun import choose_interpreter, run_tests
from declone.measure.session import (
    DEFAULT_COMPARE_ROUNDS,
    MeasureRequest,
    MeasureResult,
    measure_collection,
)
from declone.measure.spread import (
    Rounds,
    TimeChange,
    Verdict,
    compare_times,
    describe_change,
    time_change_from_json,
    time_change_to_json,
)
from declone.measure.verify import (
    VERIFICATION_FILE,
    VERIFICATION_SCHEMA_VERSION,
    Jobs,
    Verification,
    VerifyOutcome,
    record_verification,
    verification_document,
    verify_run,
)

__all__ = [
    "DEFAULT_COMPARE_ROUNDS",
    "HISTORY_PATH",
    "NOT_CHECKED",
    "VERIFICATION_FILE",
    "VERIFICATION_SCHEMA_VERSION",
    "BatchCheck",
    "Comparison",
    "ImportCheck",
    "ImportCheckOptions",
    "ImportChecker",
    "InterleavedBaseline",
    "Jobs",
    "MeasureRequest",
    "MeasureResult",
    "Measurement",
    "ModuleCheck",
    "Round",
    "Rounds",
    "StoredMeasurement",
    "TimeChange",
    "Verdict",
    "Verification",
    "VerifyOptions",
    "VerifyOutcome",
    "batch_lines",
    "batch_verifier",
    "chain_batch_callbacks",
    "choose_interpreter",
    "compare_measurements",
    "compare_times",
    "comparison_to_json",
    "describe_change",
    "import_check_document",
    "import_check_lines",
    "import_check_summary",
    "import_modules",
    "import_targets",
    "list_measurements",
    "load_baseline",
    "measure_collection",
    "measurement_to_json",
    "open_history",
    "record_verification",
    "run_tests",
    "summary_line",
    "time_change_from_json",
    "time_change_to_json",
    "verification_document",
    "verification_summary",
    "verify_run",
]
