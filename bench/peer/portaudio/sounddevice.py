"""A stand-in for the `sounddevice` package that binds the system's PortAudio with ctypes.

The `sounddevice` package itself cannot be installed here (no PyPI), so the bench puts this
module on PYTHONPATH in its place and runs the vendor's example client unchanged. It does what
sounddevice does for the calls the example makes: Pa_Initialize at import, a callback stream on
the default device with the device's default *high* latency (sounddevice's default `latency`),
no stream flags, `blocksize` frames per callback, and the callback given numpy arrays shaped
(frames, channels) that view PortAudio's own buffers. An exception in a callback is printed and
aborts the stream, as in sounddevice.
"""

import atexit
import ctypes
import ctypes.util
import traceback

import numpy as np

__all__ = ["InputStream", "OutputStream", "CallbackFlags", "PortAudioError"]

_lib = ctypes.CDLL(ctypes.util.find_library("portaudio") or "libportaudio.so.2")

PA_INT16 = 0x00000008
PA_CONTINUE = 0
PA_ABORT = 2

_PaStream_p = ctypes.c_void_p


class _DeviceInfo(ctypes.Structure):
    _fields_ = [
        ("structVersion", ctypes.c_int),
        ("name", ctypes.c_char_p),
        ("hostApi", ctypes.c_int),
        ("maxInputChannels", ctypes.c_int),
        ("maxOutputChannels", ctypes.c_int),
        ("defaultLowInputLatency", ctypes.c_double),
        ("defaultLowOutputLatency", ctypes.c_double),
        ("defaultHighInputLatency", ctypes.c_double),
        ("defaultHighOutputLatency", ctypes.c_double),
        ("defaultSampleRate", ctypes.c_double),
    ]


class _StreamParameters(ctypes.Structure):
    _fields_ = [
        ("device", ctypes.c_int),
        ("channelCount", ctypes.c_int),
        ("sampleFormat", ctypes.c_ulong),
        ("suggestedLatency", ctypes.c_double),
        ("hostApiSpecificStreamInfo", ctypes.c_void_p),
    ]


class _TimeInfo(ctypes.Structure):
    _fields_ = [
        ("inputBufferAdcTime", ctypes.c_double),
        ("currentTime", ctypes.c_double),
        ("outputBufferDacTime", ctypes.c_double),
    ]


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.POINTER(_TimeInfo),
    ctypes.c_ulong,
    ctypes.c_void_p,
)

_lib.Pa_GetErrorText.restype = ctypes.c_char_p
_lib.Pa_GetDeviceInfo.restype = ctypes.POINTER(_DeviceInfo)
_lib.Pa_OpenStream.argtypes = [
    ctypes.POINTER(_PaStream_p),
    ctypes.POINTER(_StreamParameters),
    ctypes.POINTER(_StreamParameters),
    ctypes.c_double,
    ctypes.c_ulong,
    ctypes.c_ulong,
    _Callback,
    ctypes.c_void_p,
]
for _name in ("Pa_StartStream", "Pa_StopStream", "Pa_CloseStream", "Pa_IsStreamActive"):
    getattr(_lib, _name).argtypes = [_PaStream_p]


class PortAudioError(Exception):
    pass


def _check(err, what):
    if err < 0:
        raise PortAudioError(f"{what}: {_lib.Pa_GetErrorText(err).decode()}")
    return err


_check(_lib.Pa_Initialize(), "Error initializing PortAudio")
atexit.register(_lib.Pa_Terminate)


class CallbackFlags:
    def __init__(self, flags=0):
        self._flags = flags

    def __bool__(self):
        return bool(self._flags)

    def __repr__(self):
        return f"<sounddevice.CallbackFlags: {self._flags:#x}>"


class _Stream:
    _kind = ""

    def __init__(self, samplerate, channels, callback, device=None, dtype="int16", blocksize=0, **_):
        if dtype != "int16":
            raise ValueError("the PortAudio stand-in only does int16")
        if device is None:
            device = getattr(_lib, f"Pa_GetDefault{self._kind.capitalize()}Device")()
        if device < 0:
            raise PortAudioError(f"no default {self._kind} device")
        info = _lib.Pa_GetDeviceInfo(device).contents
        params = _StreamParameters(
            device,
            channels,
            PA_INT16,
            getattr(info, f"defaultHigh{self._kind.capitalize()}Latency"),
            None,
        )
        self.samplerate = samplerate
        self.channels = channels
        self.blocksize = blocksize
        self._user_callback = callback
        self._frame_bytes = 2 * channels
        # Kept on the object: PortAudio calls it from its own thread for the stream's lifetime.
        self._c_callback = _Callback(self._on_block)
        self._stream = _PaStream_p()
        inp = ctypes.byref(params) if self._kind == "input" else None
        out = ctypes.byref(params) if self._kind == "output" else None
        _check(
            _lib.Pa_OpenStream(
                ctypes.byref(self._stream), inp, out, samplerate, blocksize, 0, self._c_callback, None
            ),
            f"Error opening {type(self).__name__}",
        )

    def _view(self, ptr, frames):
        raw = (ctypes.c_char * (frames * self._frame_bytes)).from_address(ptr)
        return np.frombuffer(raw, dtype=np.int16).reshape(-1, self.channels)

    def _on_block(self, in_ptr, out_ptr, frames, time_info, status, _user):
        try:
            self._call(in_ptr, out_ptr, frames, time_info.contents, CallbackFlags(status))
        except Exception:
            traceback.print_exc()
            return PA_ABORT
        return PA_CONTINUE

    @property
    def active(self):
        return self._stream.value is not None and _lib.Pa_IsStreamActive(self._stream) == 1

    def start(self):
        _check(_lib.Pa_StartStream(self._stream), "Error starting stream")

    def stop(self):
        if self._stream.value is not None:
            _lib.Pa_StopStream(self._stream)

    def close(self):
        if self._stream.value is not None:
            _lib.Pa_CloseStream(self._stream)
            self._stream = _PaStream_p()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self.close()


class InputStream(_Stream):
    _kind = "input"

    def _call(self, in_ptr, _out_ptr, frames, time_info, status):
        self._user_callback(self._view(in_ptr, frames), frames, time_info, status)


class OutputStream(_Stream):
    _kind = "output"

    def _call(self, _in_ptr, out_ptr, frames, time_info, status):
        self._user_callback(self._view(out_ptr, frames), frames, time_info, status)
