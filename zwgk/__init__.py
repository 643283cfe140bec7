"""The `zwgk` command group and what drives the stages: crawl driver, nightly, status, demo."""
