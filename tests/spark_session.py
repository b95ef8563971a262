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
        if {"spark", "spark_connect"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Spark Connect server on a free local port (pyspark's own scripts, ``local[2]``); its URL."""
    need_module("pyspark", "pip install 'govkit[spark]'")
    need_module("grpc", "pip install 'pyspark[connect]'")
    need_program("java", "install Java 17+ (Debian: openjdk-17-jre-headless)")
    import socket
    import subprocess
    import time
    from pathlib import Path

    import pyspark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("spark-connect")
    env = {**os.environ, "SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable, "SPARK_LOG_DIR": str(folder),
           "SPARK_PID_DIR": str(folder), "SPARK_IDENT_STRING": f"govkit{port}"}  # fmt: skip
    start = [
        "bash", str(home / "sbin" / "start-connect-server.sh"), "--master", "local[2]",
        "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.ui.enabled=false",
        "--conf", "spark.driver.memory=1g",
    ]  # fmt: skip
    subprocess.run(start, env=env, check=True, capture_output=True, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            logs = " ".join(p.read_text()[-300:] for p in folder.glob("*.out"))
            missing(f"the Spark Connect server did not start on port {port}: {logs}")
        yield f"sc://127.0.0.1:{port}"
    finally:
        subprocess.run(
            ["bash", str(home / "sbin" / "stop-connect-server.sh")], env=env, capture_output=True, timeout=120
        )
