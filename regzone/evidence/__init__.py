"""`regzone evidence`: detective evidence from a live AWS account that every catalog control holds.

Layout (like Prowler, with collection and judgement kept apart):
- `aws.py` makes boto3 clients (retries, API-call counting) and turns every failed call into an
  `ApiError` naming the API and the IAM permission, so that a gap can only become an ERROR finding;
- `collectors/` gather each service's data once per region (one paginated list, then a bounded
  number of calls per resource on a bounded thread pool);
- `checks/<check_name>/` hold one check each (`check.py` judges collected data only;
  `metadata.json` says what it proves and which permissions it needs);
- `runner.py` runs them and maps each result to the catalog controls; `formats.py` renders reports.
"""
