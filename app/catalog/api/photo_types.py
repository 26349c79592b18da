"""Photos as the API shows them: a resource's, and those of damage found at a return (served
only to whoever may see the booking). The bytes are served by the pages' photo routes."""
import strawberry
from flask import url_for

from app.api.relay import Node, to_global_id


@strawberry.type(name="ResourcePhoto")
class PhotoType(Node):
    url: str
    thumbnail_url: str
    width: int
    height: int

    @classmethod
    def of(cls, pk: int, width: int, height: int) -> "PhotoType":
        gid = to_global_id("ResourcePhoto", pk)
        return cls(id=gid, url=url_for("catalog.photo", photo_id=gid), width=width, height=height,
                   thumbnail_url=url_for("catalog.photo", photo_id=gid, size="thumb"))


@strawberry.type(name="BookingPhoto")
class DamagePhotoType:
    id: strawberry.ID
    url: str
    thumbnail_url: str
    width: int
    height: int

    @classmethod
    def of(cls, pk: int, width: int, height: int) -> "DamagePhotoType":
        gid = to_global_id("BookingPhoto", pk)
        return cls(id=gid, url=url_for("catalog.booking_photo", photo_id=gid), width=width, height=height,
                   thumbnail_url=url_for("catalog.booking_photo", photo_id=gid, size="thumb"))
