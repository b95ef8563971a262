"""The store's error codes come from the one list of codes; an unparseable store URL is never echoed."""

from __future__ import annotations

import pytest

from govkit.history import STORE_CODES, Store, StoreError
from govkit.inputs.codes import ERROR_CODES


def test_store_codes_are_the_gk6_codes_of_the_one_list() -> None:
    assert {code: name for code, name in ERROR_CODES.items() if code.startswith("GK6")} == STORE_CODES
    assert STORE_CODES["GK601"] == "store-url-invalid" and len(STORE_CODES) == 6


@pytest.mark.parametrize(
    "url", ["postgres ql://bob:s3cret-pw@db.example/x", "postgresql://bob:s3cret-pw@db:port/x", "not a url://s3cret-pw"]
)
def test_an_unparseable_store_url_is_not_echoed(url: str) -> None:
    with pytest.raises(StoreError) as error:
        Store(url).list()
    assert error.value.code == "GK601" and "s3cret-pw" not in str(error.value) and "\n" not in str(error.value)
    assert "--store, GOVKIT_STORE or the config's store:" in str(error.value)
