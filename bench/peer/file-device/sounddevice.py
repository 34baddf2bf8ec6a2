"""A stand-in for the `sounddevice` package: paced file devices for the vendor's example client.

The bench runs the vendor's Python example unchanged; this module takes the place of
`sounddevice` on PYTHONPATH. Each stream behaves like a sound card with a clock of its own: a
thread calls the stream's callback once per block (10 ms in the example) on a real-time,
drift-free schedule. An input stream reads its blocks from OMNIA_BENCH_INPUT (a 16-bit mono WAV
at the stream's rate; digital silence after its end); an output stream appends what its callback
wrote to OMNIA_BENCH_OUTPUT (raw s16le). Only what the example uses is here: InputStream,
OutputStream, start, close, active and the context manager, with sounddevice's callback
signature (numpy arrays shaped (frames, channels)).
"""

import os
import threading
import time
import traceback
import wave

import numpy as np

__all__ = ["InputStream", "OutputStream", "CallbackFlags"]


class CallbackFlags:
    """No over- or underflows on a file."""

    input_underflow = input_overflow = output_underflow = output_overflow = False

    def __bool__(self):
        return False


class _Time:
    def __init__(self, now):
        self.currentTime = self.inputBufferAdcTime = self.outputBufferDacTime = now


class _Stream:
    def __init__(self, samplerate, channels, callback, device=None, dtype="int16", blocksize=0, **_):
        if dtype != "int16":
            raise ValueError("the file device stand-in only does int16")
        self.samplerate = int(samplerate)
        self.channels = int(channels)
        self.blocksize = int(blocksize) or self.samplerate // 100
        self._callback = callback
        self._thread = None
        self._running = False

    @property
    def active(self):
        return self._running

    def start(self):
        if self._running:
            return
        self._running = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._running = False
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def close(self):
        self.stop()
        self._close_file()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def _run(self):
        period = self.blocksize / self.samplerate
        started = time.monotonic()
        block = 0
        while self._running:
            # Block k is due at start + k periods: a late wake-up never accumulates into drift.
            delay = started + block * period - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if not self._running:
                break
            try:
                self._one_block(time.monotonic())
            except Exception:
                # sounddevice prints the traceback and aborts the stream.
                traceback.print_exc()
                self._running = False
                break
            block += 1

    def _close_file(self):
        pass


class InputStream(_Stream):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._wav = wave.open(os.environ["OMNIA_BENCH_INPUT"], "rb")
        if self._wav.getsampwidth() != 2 or self._wav.getnchannels() != self.channels:
            raise ValueError("OMNIA_BENCH_INPUT must be 16-bit with the stream's channel count")
        self._bytes = self.blocksize * self.channels * 2

    def _one_block(self, now):
        data = self._wav.readframes(self.blocksize)
        if len(data) < self._bytes:
            data += b"\x00" * (self._bytes - len(data))
        indata = np.frombuffer(data, dtype=np.int16).reshape(-1, self.channels)
        self._callback(indata, self.blocksize, _Time(now), CallbackFlags())

    def _close_file(self):
        self._wav.close()


class OutputStream(_Stream):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._out = open(os.environ["OMNIA_BENCH_OUTPUT"], "ab")
        self._block = np.zeros((self.blocksize, self.channels), dtype=np.int16)

    def _one_block(self, now):
        self._block.fill(0)
        self._callback(self._block, self.blocksize, _Time(now), CallbackFlags())
        self._out.write(self._block.tobytes())

    def _close_file(self):
        self._out.close()
