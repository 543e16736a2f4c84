"""fraudlink: a city anti-telecom-fraud centre and its alliance, and a synthetic city to test on."""

__version__ = "0.1.0"
