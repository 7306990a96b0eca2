"""Airflow DAG: the weekly Westerveld report, and one chapter refreshed on its own with papermill.

Copy to the Airflow ``dags/`` folder on a machine where the project lives at PROJECT (made with
``make setup``, which also installs the ``veiligheidsanalyse`` kernel) and where
``apache-airflow-providers-papermill`` is installed.

- ``rapport``: the published report is made by the runner, as by cron: it takes the config's lock,
  reuses unchanged chapters and moves ``latest`` only when every chapter succeeded. Its exit
  status fails the task (1 chapter failed, 2 invalid config or input, 3 no fresh data); 4 (another
  run of the config is busy) is skipped instead of failed.
- ``hoofdstuk_criminaliteit``: one chapter with Airflow's PapermillOperator, on the data store of the
  last published report (``latest``), e.g. for an analyst who wants the newest monthly figures of
  the running year between two weekly reports. Its output is an executed notebook for analysts,
  not a published page (only the runner publishes).
"""

from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.papermill.operators.papermill import PapermillOperator

PROJECT = "/srv/veiligheidsanalyse"
CONFIG = "config/westerveld.yaml"
GEMEENTE = "GM1701"
NOTEBOOK = "notebooks/01_criminaliteit.ipynb"
LATEST_STORE = "outputs/.intern/westerveld/latest/data"

with DAG(
    dag_id="veiligheidsanalyse_westerveld",
    description="Veiligheidsanalyse Westerveld: wekelijks rapport en een los hoofdstuk",
    schedule="15 6 * * 1",
    start_date=pendulum.datetime(2026, 1, 5, tz="Europe/Amsterdam"),
    catchup=False,
    max_active_runs=1,
    tags=["veiligheidsanalyse"],
) as dag:
    rapport = BashOperator(
        task_id="rapport",
        bash_command=f"cd {PROJECT} && .venv/bin/veiligheidsanalyse run {CONFIG} --require-fresh --quiet",
        skip_on_exit_code=4,
    )

    hoofdstuk = PapermillOperator(
        task_id="hoofdstuk_criminaliteit",
        input_nb=f"{PROJECT}/{NOTEBOOK}",
        output_nb=f"{PROJECT}/outputs/airflow/{{{{ ds }}}}/01_criminaliteit.ipynb",
        parameters={
            "gemeente": GEMEENTE,
            "config": f"{PROJECT}/{CONFIG}",
            "run_dir": f"{PROJECT}/outputs/airflow/{{{{ ds }}}}",
            "store": f"{PROJECT}/{LATEST_STORE}",
        },
        kernel_name="veiligheidsanalyse",
        language_name="python",
    )

    rapport >> hoofdstuk
