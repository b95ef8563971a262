"""Reading the audited files safely: data tables and model files.

Formats are recognised from a file's first bytes, not its name. Model files are never
unpickled unless the user explicitly trusts them, and a pinned sha256 is checked before the file
is opened. Every problem is an ``InputError`` whose one line names the file and the fix
(``<file>: <problem>; <fix>``), and carries a stable code (``error.code``, e.g. ``"GK101"``) from
``ERROR_CODES``, so that scripts and documentation can refer to a problem without parsing its text.

``codes`` holds the codes, ``tables`` the CSV and Parquet readers, ``memory`` the guard against
inputs that would not fit, ``models`` the model loader.
"""

from govkit.inputs.codes import ERROR_CODES, coded, error_code
from govkit.inputs.files import sha256_file
from govkit.inputs.memory import MEMORY_GUARD_ENV, available_memory, human_size, memory_guard_enabled
from govkit.inputs.models import check_sha256_pin, detect_model_format, load_model
from govkit.inputs.tables import duplicate_columns_error, duplicate_headers, read_table

__all__ = [
    "ERROR_CODES",
    "MEMORY_GUARD_ENV",
    "available_memory",
    "check_sha256_pin",
    "coded",
    "detect_model_format",
    "duplicate_columns_error",
    "duplicate_headers",
    "error_code",
    "human_size",
    "load_model",
    "memory_guard_enabled",
    "read_table",
    "sha256_file",
]
