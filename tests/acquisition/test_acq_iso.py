"""DSLR ISO through INDI's CCD_ISO switch property. The INDI CCD simulator has no CCD_ISO
(checked: the string is not in indi_simulator_ccd), so the plumbing is tested against a
fake link that answers like the gphoto driver (members ISO0.., labels "100".."3200")."""

from __future__ import annotations

import pytest

from editor.errors import DeviceError


class GphotoLikeLink:
    """Just what Camera.capabilities/configure ask of an IndiLink, for a DSLR."""

    def __init__(self) -> None:
        self.iso = {"ISO0": "100", "ISO1": "200", "ISO2": "400", "ISO3": "800", "ISO4": "1600"}
        self.on = "ISO1"
        self.sent: list[tuple[str, dict]] = []

    def numbers(self, device, vector):
        if vector == "CCD_INFO":
            return {"CCD_MAX_X": 6000, "CCD_MAX_Y": 4000, "CCD_PIXEL_SIZE": 3.9,
                    "CCD_BITSPERPIXEL": 14}
        return {}

    def number_ranges(self, device, vector):
        return {"CCD_EXPOSURE_VALUE": (0.001, 3600, 0.001)} if vector == "CCD_EXPOSURE" else {}

    def switches(self, device, vector):
        if vector == "CCD_ISO":
            return {m: m == self.on for m in self.iso}
        return {}

    def labels(self, device, vector):
        return dict(self.iso) if vector == "CCD_ISO" else {}

    def texts(self, device, vector):
        return {"CFA_TYPE": "RGGB"} if vector == "CCD_CFA" else {}

    def has(self, device, vector):
        return vector == "CCD_ISO"

    def set_and_wait(self, device, vector, members, what=""):
        self.sent.append((vector, dict(members)))
        if vector == "CCD_ISO":
            self.on = next(m for m, v in members.items() if v == "On")


def _camera(link):
    from editor.acquisition.camera import Camera

    return Camera(link, "Canon DSLR")


def test_dslr_capabilities_list_iso_labels_in_driver_order():
    caps = _camera(GphotoLikeLink()).capabilities()
    assert caps.iso_choices == ("100", "200", "400", "800", "1600")
    assert "ISO 100..1600" in caps.describe()


def test_configure_turns_on_the_iso_switch_by_label_once():
    from editor.acquisition.camera import FrameSettings

    link = GphotoLikeLink()
    cam = _camera(link)
    cam.configure(FrameSettings(1.0, iso="800"))
    assert link.sent == [("CCD_ISO", {"ISO3": "On"})] and link.on == "ISO3"
    cam.configure(FrameSettings(1.0, iso="800"))  # already on: nothing sent
    assert len(link.sent) == 1
    with pytest.raises(DeviceError, match="ISO 25600 is not offered"):
        cam.configure(FrameSettings(1.0, iso="25600"))


def test_a_camera_without_iso_refuses_an_iso_with_one_line():
    from editor.acquisition.camera import FrameSettings

    link = GphotoLikeLink()
    link.iso = {}
    with pytest.raises(DeviceError, match="no ISO setting"):
        _camera(link).configure(FrameSettings(1.0, iso="400"))


def test_sequence_step_carries_the_iso_to_the_frame_settings():
    from editor.acquisition.sequence import SequenceStep

    assert SequenceStep(2, 30.0, iso="400").settings().iso == "400"
