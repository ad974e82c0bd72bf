#!/usr/bin/env python3
"""Writes the WAV fixtures of test/audio-io with encoders independent of src/audio/wav.ts:
Python's `wave` module (integer PCM 8/16/24/32 bit), scipy.io.wavfile (IEEE float 32/64 bit)
and hand-packed headers (WAVE_FORMAT_EXTENSIBLE; extra LIST/odd-sized chunks).

Each NAME.wav comes with NAME.npy: the exact values (clip2s_20k: its int16 codes in clip2s_20k.codes.npy) a decoder must return, float64,
shape [channels, frames], integers scaled by 1 / 2^(bits - 1) (8-bit: unsigned, minus 128).
Run from the repository root:  python3 scripts/wav-fixtures.py
"""
import os
import struct
import wave

import numpy as np
from scipy.io import wavfile

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'wav')


def signal(channels, frames, rate):
    """Two tones and a little deterministic noise per channel, peaking near full scale."""
    t = np.arange(frames) / rate
    rng = np.random.default_rng(1234)
    rows = []
    for c in range(channels):
        x = 0.6 * np.sin(2 * np.pi * (440 + 110 * c) * t + 0.3 * c) + 0.3 * np.sin(2 * np.pi * 1375 * t)
        x += 0.05 * rng.standard_normal(frames)
        rows.append(x)
    x = np.array(rows)
    x[:, 3] = 1.0  # full-scale extremes: the top code saturates, the bottom is exact
    x[:, 4] = -1.0
    return x


def quantise(x, bits):
    scale = 2 ** (bits - 1)
    q = np.clip(np.round(x * scale), -scale, scale - 1).astype(np.int64)
    return q, q / scale


def interleave_bytes(q, bits):
    frames = q.T.reshape(-1)  # frame-major, channel-minor
    if bits == 8:
        return (frames + 128).astype(np.uint8).tobytes()
    if bits == 16:
        return frames.astype('<i2').tobytes()
    if bits == 32:
        return frames.astype('<i4').tobytes()
    if bits == 24:
        u = (frames & 0xFFFFFF).astype('<u4').tobytes()
        return b''.join(u[i:i + 3] for i in range(0, len(u), 4))
    raise ValueError(bits)


def write_wave_module(name, bits, channels, rate=8000, frames=400):
    q, expected = quantise(signal(channels, frames, rate), bits)
    with wave.open(os.path.join(OUT, name + '.wav'), 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(bits // 8)
        w.setframerate(rate)
        w.writeframes(interleave_bytes(q, bits))
    np.save(os.path.join(OUT, name + '.npy'), expected)


def write_float(name, dtype, channels, rate=8000, frames=400):
    x = signal(channels, frames, rate).astype(dtype)
    x[:, 5] = 1.5  # float WAV may exceed full scale; a decoder must not clip it
    wavfile.write(os.path.join(OUT, name + '.wav'), rate, x.T.copy())
    np.save(os.path.join(OUT, name + '.npy'), x.astype(np.float64))


def chunk(cid, payload):
    pad = b'\0' if len(payload) % 2 else b''
    return cid + struct.pack('<I', len(payload)) + payload + pad


def write_raw(name, fmt_payload, data, expected, extra_before=(), extra_after=()):
    body = b'WAVE' + b''.join(extra_before) + chunk(b'fmt ', fmt_payload) + b''.join(extra_after) + chunk(b'data', data)
    with open(os.path.join(OUT, name + '.wav'), 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', len(body)) + body)
    np.save(os.path.join(OUT, name + '.npy'), expected)


def write_extensible24(rate=11025, frames=300, channels=2):
    q, expected = quantise(signal(channels, frames, rate), 24)
    block = channels * 3
    pcm_guid = struct.pack('<IHH', 1, 0x0000, 0x0010) + bytes([0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
    fmt = struct.pack('<HHIIHH', 0xFFFE, channels, rate, rate * block, block, 24)
    fmt += struct.pack('<HHI', 22, 24, 0x3) + pcm_guid
    write_raw('extensible24_stereo', fmt, interleave_bytes(q, 24), expected)


def write_chunky16(rate=16000, frames=257):
    """Mono 16-bit with an odd-sized LIST chunk (17 bytes + pad byte) before fmt and a 'fact'
    chunk between fmt and data."""
    q, expected = quantise(signal(1, frames, rate), 16)
    info = b'INFOINAM' + struct.pack('<I', 5) + b'tone\0'
    listing = chunk(b'LIST', info)  # 17-byte payload: padded to 18
    fact = chunk(b'fact', struct.pack('<I', frames))
    fmt = struct.pack('<HHIIHH', 1, 1, rate, rate * 2, 2, 16)
    write_raw('chunky16_mono', fmt, interleave_bytes(q, 16), expected, extra_before=[listing], extra_after=[fact])


def write_odd8(rate=8000, frames=201):
    """8-bit mono with an odd number of bytes of data (pad byte after data) and a chunk after it."""
    q, expected = quantise(signal(1, frames, rate), 8)
    fmt = struct.pack('<HHIIHH', 1, 1, rate, rate, 1, 8)
    data = interleave_bytes(q, 8)
    body = b'WAVE' + chunk(b'fmt ', fmt) + chunk(b'data', data) + chunk(b'LIST', b'INFOx')
    with open(os.path.join(OUT, 'odd8_mono.wav'), 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', len(body)) + body)
    np.save(os.path.join(OUT, 'odd8_mono.npy'), expected)


def write_cochleagram_clip():
    """2 s at 20 kHz, 16-bit mono: input for the `metamer cochleagram` test."""
    rate, frames = 20000, 40000
    t = np.arange(frames) / rate
    x = 0.1 * np.sin(2 * np.pi * 500 * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t)) + 0.05 * np.sin(2 * np.pi * 3000 * t)
    q, _ = quantise(x[None, :], 16)
    with wave.open(os.path.join(OUT, 'clip2s_20k.wav'), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(interleave_bytes(q, 16))
    # The integer codes (int16, 80 KB; the float64 values would be 320 KB): divide by 32768.
    np.save(os.path.join(OUT, 'clip2s_20k.codes.npy'), q[0].astype('<i2'))


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    write_wave_module('pcm8_mono', 8, 1)
    write_wave_module('pcm16_stereo', 16, 2)
    write_wave_module('pcm24_mono', 24, 1)
    write_wave_module('pcm32_stereo', 32, 2)
    write_float('float32_mono', np.float32, 1)
    write_float('float64_stereo', np.float64, 2)
    write_extensible24()
    write_chunky16()
    write_odd8()
    write_cochleagram_clip()
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)))
