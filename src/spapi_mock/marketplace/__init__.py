"""The live marketplace: the store, the clock and the policy with the lifecycle rules applied,
and what every API's backend shares (fixtures, paging, the job runner, the mock's S3 URLs)."""
