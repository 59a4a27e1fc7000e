from django.apps import AppConfig


class CounterConfig(AppConfig):
    """The counter's screens (views, forms, urls; templates in templates/counter/). It has
    no models: the records and every rule about them live in referrals."""

    name = "counter"
