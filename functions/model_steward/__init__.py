"""Model Steward: watches Amazon Lookout for Equipment retraining, decides, promotes, alerts."""

__version__ = "0.1.0"
