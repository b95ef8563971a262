"""A local Spark session for the tests: ``local[2]``, started once per test session, stopped at its end.

Spark needs pyspark and Java 17+; in CI both must be there (``.ci/run`` installs Java), elsewhere a
test needing the session is skipped with the reason. Tests using it are marked ``spark`` (and slow).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from requirements import missing, need_module, need_program


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    need_module("pyspark", "pip install 'govkit[spark]'")
    need_program("java", "install Java 17+ (Debian: openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("govkit tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
    except Exception as error:  # no usable Java, a port taken: the reason, not a trace
        missing(f"a local Spark session could not start ({str(error).splitlines()[0][:200]})")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)
