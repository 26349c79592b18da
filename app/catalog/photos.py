"""Photos of resources: type-checked by decoding them (not by their name), size-limited,
re-encoded as JPEG at most 1600 px wide with a 480 px thumbnail. Re-encoding drops whatever
else the upload carried (metadata, scripts in a polyglot file).

Decoding is bounded before it starts: Pillow opens lazily, so the dimensions are read from
the header and a picture of more than MAX_PIXELS is refused undecoded (a 154 KB PNG can hold
6300×6300 pixels); a JPEG is decoded at a reduced scale (`draft`) close to what is kept,
other formats are reduced by an integer factor right after decoding."""
import io
import warnings

import sqlalchemy as sa
import sqlalchemy.orm as so
from PIL import ExifTags, Image, UnidentifiedImageError

from app.catalog.resources import get_resource, require_manager
from app.errors import N_, DomainError, ErrorCode
from models import Member, Resource, ResourcePhoto

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # refuses decompression bombs before decoding
MAX_SIDE = 12_000  # a panorama 20,000 px long is no photo of a tool
MAX_PHOTOS = 8
FORMATS = {"JPEG", "PNG", "WEBP"}
SIZE, THUMB = 1600, 480

# EXIF orientation -> the turn that shows the photo upright (as ImageOps.exif_transpose).
ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

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
    image = decode(data, field)
    large, width, height = _encode(image, SIZE)
    small, _w, _h = _encode(image, THUMB)
    return large, width, height, small


def decode(data: bytes, field: str = "photo") -> Image.Image:
    """The upload as an RGB image no larger than needed for SIZE, or INVALID. Nothing is
    decoded before the header's dimensions pass."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))  # reads the header only
            if probe.format not in FORMATS:
                raise DomainError(ErrorCode.INVALID, NOT_A_PHOTO, field)
            if probe.width * probe.height > MAX_PIXELS or max(probe.size) > MAX_SIDE:
                raise DomainError(ErrorCode.INVALID, "This photo has too many pixels.", field)
            probe.verify()  # a truncated or corrupt file fails here
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                image.draft("RGB", (SIZE, SIZE))  # decodes at 1/2, 1/4 or 1/8 scale, still >= SIZE
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(ErrorCode.INVALID, NOT_A_PHOTO, field) from None
    turn = ORIENTATION.get(image.getexif().get(ExifTags.Base.Orientation, 1))
    factor = max(image.size) // SIZE
    if factor >= 2:
        image = image.reduce(factor)  # a cheap integer shrink, still >= SIZE, before the exact resize
    image = image.convert("RGB")
    return image.transpose(turn) if turn is not None else image


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
