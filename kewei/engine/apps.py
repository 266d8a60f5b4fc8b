from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "kewei.engine"
    label = "engine"
    verbose_name = "批处理引擎"
