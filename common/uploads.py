"""Upload checks (C6, A9): the content decides the type, never the file name alone."""

import filetype
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 4 * 1024 * 1024  # C6: at most 4 MB a file

# C6: the allowed extensions, each with the content types that may carry it.
ALLOWED_TYPES = {
    "jpeg": {"image/jpeg"},
    "jpg": {"image/jpeg"},
    "gif": {"image/gif"},
    "png": {"image/png"},
    "tif": {"image/tiff"},
    "bmp": {"image/bmp"},
    "avi": {"video/x-msvideo"},
    "mpeg": {"video/mpeg"},
    "mpg": {"video/mpeg"},
    "mov": {"video/quicktime"},
    "rm": {"application/vnd.rn-realmedia"},
    "3gp": {"video/3gpp"},
    "flv": {"video/x-flv"},
    "mp4": {"video/mp4"},
    "zip": {"application/zip"},
    "rar": {"application/x-rar-compressed"},
    "mp3": {"audio/mpeg"},
    "wav": {"audio/x-wav"},
    "wma": {"audio/x-ms-wma", "video/x-ms-asf"},
    "ogg": {"audio/ogg"},
}
IMAGE_EXTENSIONS = ("jpeg", "jpg", "gif", "png", "bmp", "tif")
TOO_LARGE_MESSAGE = (
    "“{name}” is {size} MB; files can be at most 4 MB. For larger files, share a link to a cloud folder instead."
)


def _extension(name):
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _size_mb(upload):
    return f"{upload.size / (1024 * 1024):.1f}"


def check_size(upload):
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(TOO_LARGE_MESSAGE.format(name=upload.name, size=_size_mb(upload)), code="too_large")


def _sniff(upload):
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def validate_attachment(upload, allowed=None):
    """A C6 file: allowed extension, content of that type, at most 4 MB."""
    check_size(upload)
    allowed = allowed or ALLOWED_TYPES
    ext = _extension(upload.name)
    if ext not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValidationError(f"“{upload.name}”: this type of file is not allowed. Allowed: {names}.", code="type")
    mime = _sniff(upload)
    if mime not in allowed[ext]:
        raise ValidationError(
            f"“{upload.name}” is not really a .{ext} file: its content does not match its name.",
            code="content",
        )
    if ext in IMAGE_EXTENSIONS:
        _verify_image(upload)
    return upload


def _verify_image(upload):
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(f"“{upload.name}” is not a readable image.", code="content") from exc
    finally:
        upload.seek(0)


def validate_image(upload):
    """An image (avatar, gallery): one of the C6 image types, checked by content, at most 4 MB."""
    return validate_attachment(upload, allowed={ext: ALLOWED_TYPES[ext] for ext in IMAGE_EXTENSIONS})


# A12 only: an identity document may also be a PDF (recognised by its "%PDF" magic bytes, like every type here).
IDENTITY_DOCUMENT_TYPES = {**{ext: ALLOWED_TYPES[ext] for ext in IMAGE_EXTENSIONS}, "pdf": {"application/pdf"}}


def validate_identity_document(upload):
    """An identity document (A12): an image or a PDF, checked by content, at most 4 MB."""
    return validate_attachment(upload, allowed=IDENTITY_DOCUMENT_TYPES)
