from django_tasks import task

from kewei.jobs.services import job_execute


@task(queue_name="batch")
def run_job(job_id: str) -> None:
    job_execute(job_id)
