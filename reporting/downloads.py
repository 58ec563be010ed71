"""The response for a file a user may download (the caller has checked that they may).

Streamed through Django in chunks, or — with REPORTING_DOWNLOAD_MODE=redirect on S3 storage — a
redirect to a pre-signed URL for that one object, valid REPORTING_DOWNLOAD_URL_EXPIRY_S seconds.
The URL is made only here, after the permission check, so it can never be asked for directly.
"""
from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def stored_file_response(*, storage, name: str, filename: str, content_type: str,
                         size: int | None = None) -> HttpResponse:
    """``name`` in ``storage`` as an attachment called ``filename``."""
    if settings.REPORTING_DOWNLOAD_MODE == "redirect" and is_object_storage(storage):
        url = storage.url(name, expire=settings.REPORTING_DOWNLOAD_URL_EXPIRY_S, parameters={
            # The signed response headers make the browser save it under the report's name.
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
        })
        response: HttpResponse = HttpResponseRedirect(url)
        # The URL is a bearer token for a minute: no cache, no referrer to the next site.
        response["Referrer-Policy"] = "no-referrer"
    else:
        response = FileResponse(storage.open(name, "rb"), as_attachment=True, filename=filename, content_type=content_type)
        if size is not None:
            response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def is_object_storage(storage) -> bool:
    """S3 (django-storages): objects have pre-signed URLs; a local folder has no URL at all."""
    return hasattr(storage, "bucket_name") and getattr(storage, "querystring_auth", False)
