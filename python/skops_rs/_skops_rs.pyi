"""Type stubs of the native module `skops_rs._skops_rs` (checked by mypy.stubtest)."""

from typing import Any, final

__all__ = [
    "CardCore",
    "NativePredictor",
    "__version__",
    "card_confusion_matrix_chart",
    "card_feature_importances_chart",
    "card_file_sha256",
    "card_metadata_from_config",
    "card_predicted_vs_true_chart",
    "card_read_config",
    "card_split_path",
    "dumps",
    "error_kinds",
    "get_untrusted_types",
    "infer_error_kinds",
    "loads",
    "loads_mapped",
    "native_types",
    "policy_check",
    "policy_for_data",
    "policy_from_json",
    "policy_read",
    "policy_to_json",
    "run_cli",
    "state_reader_rules",
    "tree_nodes",
    "untrusted_type_paths",
    "untrusted_type_reasons",
    "write_atomic",
]

__version__: str

def run_cli(argv: list[str]) -> int: ...
def dumps(obj: Any, deflate_level: int | None) -> bytes:
    """Serialise `obj` to the bytes of a `.skops` archive: stored members when `deflate_level`
    is None, else deflated at that level (0-9). The arguments are checked by
    `skops_rs.io._writer_settings`."""

def loads(data: bytes, trusted: list[str]) -> Any:
    """Audit then construct the object of a `.skops` archive; `trusted` holds type names."""

def loads_mapped(
    mapping: Any, trusted: list[str], sha256: str | None = None
) -> tuple[Any, int, list[tuple[str, str]]]:
    """Audit then construct the object of a `.skops` file held in `mapping` (a read-only
    contiguous uint8 array over a private read-only mapping of the file): the object, how
    many arrays view the mapping, and the `(node path, reason)` of each array copied instead.
    With `sha256`, the mapped bytes must have that digest first."""

def error_kinds() -> list[str]:
    """Every `kind` a `SkopsFormatError` for a `.skops` file can have, sorted."""

def get_untrusted_types(data: bytes) -> list[str]:
    """The sorted names of the types of the archive that are not trusted by default."""

def untrusted_type_paths(data: bytes) -> dict[str, list[str]]:
    """For each untrusted type name of the archive, the node paths where it occurs."""

def tree_nodes(data: bytes, trusted: list[str]) -> list[tuple[int, str, str, bool, bool, bool]]:
    """Depth-first `(level, key, val, is_self_safe, is_safe, is_last)` rows, as skops' walk."""

def write_atomic(path: str, data: bytes, durable: bool = True) -> None:
    """Replace the file at `path` by `data` atomically, synced to disk unless not `durable`
    (OSError subclasses on failure)."""

def untrusted_type_reasons() -> list[tuple[str, str]]:
    """Why skops 0.16 does not trust some types by default: `(type, reason)` pairs."""

def state_reader_rules() -> tuple[list[tuple[str, bool]], list[tuple[str, str]]]:
    """The validators' state reader: `(key type, names an attribute)` for each key type it
    knows, and `(loader, form)` for each loader (`mapping`, `none-or-mapping`, `unreadable`)."""

# ----- trust policies (skops_rs.io.TrustPolicy) -----------------------------------------

def policy_from_json(text: bytes) -> dict[str, Any]: ...
def policy_read(path: str) -> dict[str, Any]: ...
def policy_to_json(
    sha256: str, types: list[str], approved_by: str, approved_at: str, note: str | None = None
) -> str: ...
def policy_for_data(
    data: bytes, types: list[str], approved_by: str | None = None, note: str | None = None
) -> dict[str, Any]: ...
def policy_check(data: bytes, sha256: str) -> None: ...

# ----- model cards (skops_rs.card) ------------------------------------------------------

def card_file_sha256(path: str) -> str: ...
def card_metadata_from_config(config_json: str) -> dict[str, Any]: ...
def card_read_config(path: str) -> str: ...
def card_split_path(key: str) -> list[str]: ...

@final
class CardCore:
    def __new__(cls, template: str | None = None) -> CardCore: ...
    @staticmethod
    def parse(text: str) -> CardCore: ...
    @staticmethod
    def parse_file(path: str) -> CardCore: ...
    @staticmethod
    def for_model_file(path: str) -> CardCore: ...
    def check_model_file(self, path: str) -> list[str]: ...
    def show(self) -> str: ...
    def __copy__(self) -> CardCore: ...
    def __deepcopy__(self, memo: Any) -> CardCore: ...
    def add(self, key: str, content: str, folded: bool) -> None: ...
    def add_spec(self, key: str, spec: dict[str, Any]) -> None: ...
    def add_plots(
        self,
        plots: list[tuple[str, str]],
        description: str | None,
        alt_text: str | None,
        folded: bool,
    ) -> None: ...
    def add_table(
        self,
        key: str,
        columns: list[tuple[str, list[str]]],
        description: str | None,
        folded: bool,
    ) -> None: ...
    def add_metrics(
        self, section: str, description: str | None, metrics: list[tuple[str, str]]
    ) -> None: ...
    def add_hyperparams(
        self, section: str, description: str | None, params: list[tuple[str, str]]
    ) -> None: ...
    def add_model_plot(self, section: str, description: str | None, html: str) -> None: ...
    def resolve(self, key: str) -> list[str]: ...
    def exists(self, parts: list[str]) -> bool: ...
    def delete(self, key_repr: str, parts: list[str]) -> None: ...
    def section(self, parts: list[str]) -> dict[str, Any]: ...
    def set_field(self, parts: list[str], field: str, value: Any) -> None: ...
    def format(self, parts: list[str]) -> str: ...
    def keys(self) -> list[str]: ...
    def metrics(self) -> list[tuple[str, str]]: ...
    def toc(self) -> str: ...
    def render(self) -> str: ...
    def repr(self, model_repr: str | None) -> str: ...
    def plot_paths(self) -> list[str]: ...
    def save(self, path: str, copy_files: bool) -> None: ...
    def metadata(self) -> dict[str, Any]: ...
    def set_metadata(self, metadata: Any) -> None: ...
    def set_model_index(
        self,
        model_name: str,
        task_type: str,
        task_name: str,
        dataset_type: str,
        dataset_name: str,
        metrics: list[tuple[str, str, float]],
    ) -> None: ...
    def bind_model(self, model_path: str, sklearn_version: str | None = None) -> None: ...
    def check_model(self, model_path: str, sklearn_version: str | None = None) -> list[str]: ...

def card_confusion_matrix_chart(
    folder: str, stem: str, labels: list[str], counts: list[list[int]]
) -> tuple[int, int]: ...
def card_predicted_vs_true_chart(
    folder: str, stem: str, y_true: list[float], y_pred: list[float]
) -> tuple[int, int]: ...
def card_feature_importances_chart(
    folder: str, stem: str, names: list[str], values: list[float]
) -> tuple[int, int]: ...

# Native prediction (`skops_rs.infer`).
def infer_error_kinds() -> list[str]: ...
def native_types() -> list[str]: ...

@final
class NativePredictor:
    def __new__(cls, data: bytes) -> NativePredictor: ...
    @property
    def type_name(self) -> str: ...
    @property
    def methods(self) -> list[str]: ...
    @property
    def n_features_in(self) -> int | None: ...
    @property
    def feature_names_in(self) -> list[str] | None: ...
    @property
    def sha256(self) -> str: ...
    @property
    def sklearn_version(self) -> str | None: ...
    def run_matrix(self, method: str, x: Any) -> tuple[list[int], Any]: ...
    def run_columns(
        self, method: str, columns: list[Any], names: list[str] | None = None
    ) -> tuple[list[int], Any]: ...
    def run_csr(
        self, method: str, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]
    ) -> tuple[list[int], Any]: ...
