# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A lab cable: copies Ethernet frames between two TAP ports that live in two hosts' network namespaces.

    python3 relay.py NETNS_A IFACE_A NETNS_B IFACE_B

Each TAP is opened inside its namespace (setns, then TUNSETIFF on the existing name); while this process
holds both, the ports have carrier. Unplugging the cable = stopping this process (no carrier).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ctypes
import errno
import fcntl
import os
import signal
import struct
import sys
import threading

TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns %s' % path)
    finally:
        os.close(fd)


def open_tap(netns, iface):
    """fd of TAP ``iface`` in named netns ``netns`` (the calling thread returns to its own netns)."""
    own = '/proc/self/ns/net'
    home = os.open(own, os.O_RDONLY)
    try:
        setns('/run/netns/%s' % netns)
        fd = os.open('/dev/net/tun', os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', iface.encode(), IFF_TAP | IFF_NO_PI))
        return fd
    finally:
        if LIBC.setns(home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns back')
        os.close(home)


def pump(src, dst):
    while True:
        try:
            frame = os.read(src, 65536)
        except OSError:
            os._exit(1)  # the port went away (its namespace was deleted): the cable is gone
        try:
            os.write(dst, frame)
        except OSError as exc:
            if exc.errno not in (errno.EIO, errno.EAGAIN, errno.ENOBUFS):
                os._exit(1)
            # EIO: the far port is administratively down - the frame is lost, as on a real cable.


def main(argv):
    fd_a, fd_b = open_tap(argv[0], argv[1]), open_tap(argv[2], argv[3])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    for src, dst in ((fd_a, fd_b), (fd_b, fd_a)):
        threading.Thread(target=pump, args=(src, dst), daemon=True).start()
    signal.pause()


if __name__ == '__main__':
    main(sys.argv[1:])
