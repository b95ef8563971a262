"""A Spark session from the user's settings: the active one, a Spark Connect server, or a new local one.

Inside a Spark application (Databricks, EMR, ``spark-submit``) the active session is used as it is.
Otherwise ``--spark-remote sc://host:port`` (or ``SPARK_REMOTE``) connects to a Spark Connect server,
and without either a local session is started on the machine's cores. ``--spark-conf key=value``
settings apply to a session govkit starts. Spark's own console progress bar is turned off: the audit
reports its own progress.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from govkit.inputs import coded

if TYPE_CHECKING:
    from govkit.engines.options import EngineOptions

# Settings govkit needs in a local session it starts (the user's --spark-conf may override them); a
# Spark Connect server's static settings are its own, so only the session settings go there.
_SESSION = {"spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.session.timeZone": "UTC"}
_LOCAL = {**_SESSION, "spark.ui.showConsoleProgress": "false", "spark.ui.enabled": "false"}


def spark_session(options: EngineOptions) -> Any:
    """The session to run on (see the module docstring); GK115 when Spark cannot be started."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise coded(
            "GK115",
            "--engine spark needs pyspark; install govkit with the spark extra: pip install 'govkit[spark]'",
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and options.spark_remote is None:
        return active
    # Python workers must run this interpreter, which has govkit and the model's libraries
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    remote = options.spark_remote or os.environ.get("SPARK_REMOTE")
    if remote:
        builder = builder.remote(remote)
    elif not any(key == "spark.master" for key in options.spark_conf):
        builder = builder.master(os.environ.get("MASTER", "local[*]"))
    for key, value in {**(_SESSION if remote else _LOCAL), **options.spark_conf}.items():
        builder = builder.config(key, value)
    try:
        return builder.appName("govkit audit").getOrCreate()
    except Exception as error:  # Java missing, a bad setting, an unreachable server: one line, not a trace
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise coded(
            "GK115",
            f"Spark could not start ({first[:300]}); check Java 17+ (JAVA_HOME), --spark-conf and --spark-remote",
        ) from None
