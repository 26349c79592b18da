"""Photos of resources: type-checked by decoding them (not by their name), size-limited,
re-encoded as JPEG at most 1600 px wide with a 480 px thumbnail. Re-encoding drops whatever
else the upload carried (metadata, scripts in a polyglot file)."""
import io
import warnings

import sqlalchemy as sa
import sqlalchemy.orm as so
from PIL import Image, ImageOps, UnidentifiedImageError

from app.catalog.resources import get_resource, require_manager
from app.errors import N_, DomainError, ErrorCode
from models import Member, Resource, ResourcePhoto

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs before decoding
MAX_PHOTOS = 8
FORMATS = {"JPEG", "PNG", "WEBP"}
SIZE, THUMB = 1600, 480

NO_PHOTO = N_("This photo does not exist.")
TOO_BIG = N_("A photo is at most 5 MB.")
NOT_A_PHOTO = N_("Send a JPEG, PNG or WebP photo.")


def _encode(image: Image.Image, box: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((box, box))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), copy.width, copy.height


def reencode(data: bytes, field: str = "photo") -> tuple[bytes, int, int, bytes]:
    """An uploaded photo checked by decoding it and re-encoded: (JPEG, width, height,
    thumbnail), or INVALID on `field`."""
    if not data:
        raise DomainError(ErrorCode.INVALID, "Choose a photo.", field)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(ErrorCode.INVALID, TOO_BIG, field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise DomainError(ErrorCode.INVALID, NOT_A_PHOTO, field)
            if probe.width * probe.height > MAX_PIXELS:
                raise DomainError(ErrorCode.INVALID, "This photo has too many pixels.", field)
            probe.verify()  # a truncated or corrupt file fails here
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(ErrorCode.INVALID, NOT_A_PHOTO, field) from None
    image = ImageOps.exif_transpose(image).convert("RGB")
    large, width, height = _encode(image, SIZE)
    small, _w, _h = _encode(image, THUMB)
    return large, width, height, small


def add_photo(session: so.Session, actor: Member, resource_id: int, data: bytes) -> ResourcePhoto:
    resource = get_resource(session, resource_id, lock=True)
    require_manager(session, actor, resource)
    if not data:
        raise DomainError(ErrorCode.INVALID, "Choose a photo.", "photo")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(ErrorCode.INVALID, TOO_BIG, "photo")
    count = session.scalar(sa.select(sa.func.count(ResourcePhoto.id)).where(ResourcePhoto.resource_id == resource.id))
    if count >= MAX_PHOTOS:
        raise DomainError(ErrorCode.INVALID, "A resource has at most %(count)s photos.", "photo", count=MAX_PHOTOS)
    large, width, height, small = reencode(data)
    photo = ResourcePhoto(resource_id=resource.id, width=width, height=height, data=large, thumbnail=small)
    session.add(photo)
    session.flush()
    return photo


def remove_photo(session: so.Session, actor: Member, photo_id: int) -> Resource:
    photo = session.get(ResourcePhoto, photo_id)
    if photo is None:
        raise DomainError(ErrorCode.NOT_FOUND, NO_PHOTO, "photoId")
    resource = get_resource(session, photo.resource_id, lock=True)
    require_manager(session, actor, resource)
    session.delete(photo)
    session.flush()
    return resource
