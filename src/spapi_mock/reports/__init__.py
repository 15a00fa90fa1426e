"""The Reports API's backend: reports, schedules and the documents they produce."""
