"""fraudlink: a city anti-telecom-fraud centre and its alliance, with a synthetic city to test it on."""

__version__ = "0.1.0"
