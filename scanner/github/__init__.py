"""GitHub plumbing shared by the products: the REST client (auth and API URL
from the environment) and bare mirror clones. The products that use it are
``scanner.audit`` (visibility) and ``scanner.orgscan`` (org-wide scan)."""
