import os
import tempfile

# Keep the compiled-rules cache out of the user's home while testing.
os.environ.setdefault("LEAKWARDEN_CACHE_DIR", tempfile.mkdtemp(prefix="leakwarden-cache-"))
