"""Every built-in family keeps the family contract: one slice, typed parameters and typed evidence."""

from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel

from govkit.registry import BUILTIN_FAMILIES, Evidence, OpenEvidence, describe_family, load_family
from govkit.report.sections import SECTION_MODULES
from govkit.resources import templates_dir


@pytest.mark.parametrize("name", list(BUILTIN_FAMILIES))
def test_builtin_family_declares_the_contract(name: str) -> None:
    family = load_family(name)
    assert name == family.NAME
    assert isinstance(family.TITLE, str) and family.TITLE
    assert isinstance(family.INTRO, str) and family.INTRO.endswith((".", "?"))
    assert callable(family.run)
    assert family.CHECKS, name
    for check, definition in family.CHECKS.items():
        where = f"{name}.{check}"
        assert issubclass(definition.params, BaseModel), where
        assert definition.params.model_config.get("extra") == "forbid", where
        assert issubclass(definition.evidence, Evidence), where
        assert definition.evidence is not OpenEvidence, f"{where} declares no evidence model"
        assert definition.evidence.model_config.get("extra") == "forbid", where


@pytest.mark.parametrize("name", list(BUILTIN_FAMILIES))
def test_every_evidence_model_lives_in_the_family_evidence_module(name: str) -> None:
    evidence = importlib.import_module(f"govkit.families.{name}.evidence")
    for check, definition in load_family(name).CHECKS.items():
        assert definition.evidence.__module__ == evidence.__name__, f"{name}.{check}"


@pytest.mark.parametrize("name", list(BUILTIN_FAMILIES))
def test_every_builtin_family_has_a_section_and_a_partial(name: str) -> None:
    section = importlib.import_module(SECTION_MODULES[name])
    assert (templates_dir() / section.TEMPLATE).is_file()
    assert callable(section.build)


def test_family_description_comes_from_the_family() -> None:
    info = describe_family("drift")
    assert (info.id, info.title) == ("drift", load_family("drift").TITLE)
    unknown = describe_family("not_installed")
    assert (unknown.title, unknown.intro) == ("Not installed", "")
