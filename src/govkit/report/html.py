"""The HTML governance report: one self-contained, offline file rendered with Jinja2.

Templates given with ``--templates`` are someone else's code. They run in Jinja's immutable sandbox
(no access to internals such as ``__globals__``, nothing modified), read only files inside their own
folder (a symlink or include that leads outside it is refused), and are validated before the audit runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import InputError
from govkit.resources import templates_dir
from govkit.results import FamilyInfo, RunResult

if TYPE_CHECKING:
    import jinja2

    from govkit.attestation import SignOff

TEMPLATE = "report.html.j2"


def _confined_loader(folders: list[str]) -> jinja2.BaseLoader:
    """A file loader that refuses any template whose real path lies outside the folder it was found in."""
    import jinja2

    class ConfinedLoader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            _refuse_escape(Path(filename), [Path(folder) for folder in self.searchpath], template)
            return source, filename, uptodate

    return ConfinedLoader(folders)


def _refuse_escape(filename: Path, folders: list[Path], name: str) -> None:
    real = Path(os.path.realpath(filename))
    for folder in folders:
        root = Path(os.path.realpath(folder))
        if filename.is_relative_to(folder) and not real.is_relative_to(root):
            raise InputError(
                f"{folder / name}: template leads outside the templates folder (to {real}); "
                "copy the file into the folder instead of linking it"
            )


def environment(templates: str | Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict, sandboxed Jinja2 environment over the user's templates, then the bundled ones."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    folders = [str(templates_dir())]
    if templates is not None:
        folder = Path(templates)
        if not folder.is_dir():
            raise InputError(f"{folder}: templates folder not found; fix --templates")
        folders.insert(0, str(folder))
    return ImmutableSandboxedEnvironment(
        loader=_confined_loader(folders),
        autoescape=True,  # everything from data is escaped; nothing is ever marked safe
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_set_digest(templates: str | Path) -> str:
    """The sha256 of a ``--templates`` folder, after ``validate_templates``: every file's relative path and
    bytes, in path order, each length-prefixed. A symbolic link counts as the path it points to (one
    leading outside the folder is refused first). What a sign-off signs and the history store records."""
    import hashlib

    root = Path(templates)
    validate_templates(root)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_symlink() or p.is_file()):
        content = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        for part in (path.relative_to(root).as_posix().encode(), content):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def validate_templates(templates: str | Path) -> None:
    """Load and compile every template in a ``--templates`` folder; ``InputError`` naming the first bad file.

    Refused: a file leading outside the folder, a syntax error, and access to an attribute the sandbox
    forbids (``__globals__`` and the like), found in the parsed template so it fails before any audit runs.
    """
    import jinja2

    folder = Path(templates)
    env = environment(folder)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        name = path.relative_to(folder).as_posix()
        _refuse_escape(path, [folder], name)
        if path.is_dir():
            continue  # a linked folder inside this one: its files are listed on their own
        try:
            # every file, report.css included: whatever the report includes is rendered as a template
            source = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text: Jinja cannot load it, so it cannot be included either
        except OSError as error:
            raise InputError(f"{path}: cannot read the template: {error.strerror or error}") from None
        try:
            tree = env.parse(source, name, str(path))
            env.compile(tree, name, str(path))
        except jinja2.TemplateSyntaxError as error:
            raise InputError(f"{path}: line {error.lineno}: {error.message}; fix the template") from None
        _refuse_unsafe_access(env, tree, path)


def _refuse_unsafe_access(env: Any, tree: Any, path: Path) -> None:
    """The attribute and item names the sandbox would refuse at render time, refused now with their line."""
    from jinja2 import nodes

    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and not env.is_safe_attribute(object(), name, None):
            raise InputError(
                f"{path}: line {node.lineno}: '{name}' is not allowed in a template (templates may not reach "
                "Python internals); remove it"
            )


def render_html(
    result: RunResult,
    templates: str | Path | None = None,
    signoffs: Sequence[SignOff] = (),
    families: Sequence[FamilyInfo] = (),
) -> str:
    """The report; sign-offs, when given, are shown in the sign-off block (only those bound to this result)."""
    from jinja2.exceptions import SecurityError, TemplateError

    from govkit.report.view import build_view

    try:
        return environment(templates).get_template(TEMPLATE).render(view=build_view(result, signoffs, families))
    except TemplateError as error:
        if templates is None:
            raise  # a bug in the bundled templates, not something the user can fix
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        kind = "refused by the sandbox" if isinstance(error, SecurityError) else "error"
        raise InputError(f"{templates}: template {kind}: {first}; fix the template") from None
