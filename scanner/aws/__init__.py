"""AWS: where secrets rest (S3, Terraform state) and who can read them."""
