"""tornado.s3server: an S3-compatible server backed by local files.

It speaks enough of the Amazon S3 REST API for boto3 and the AWS CLI: buckets, object
Put/Get/Head/Copy/Delete, multi-delete, ListObjects v1/v2, multipart uploads, range GETs,
and AWS Signature Version 4 (headers and presigned URLs) when keys are configured.
Keys are mapped to file names so that none can reach outside the root directory.

    from tornado import s3server
    s3server.start(9000, "/srv/s3")          # or: python -m tornado.s3server --port 9000 --root DIR
"""

from ._app import S3Application, start
from ._errors import S3Error

__all__ = ["S3Application", "S3Error", "start"]
