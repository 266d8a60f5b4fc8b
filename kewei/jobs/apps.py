from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kewei.jobs"
    label = "jobs"
    verbose_name = "后台任务"
