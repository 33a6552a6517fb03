# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A lab cable: copies Ethernet frames between two TAP ports that live in two hosts' network namespaces.

    python3 relay.py NETNS_A IFACE_A NETNS_B IFACE_B [LINK_DELAY_SECONDS]

Each TAP is opened inside its namespace (setns, then TUNSETIFF on the existing name). Carrier is what a
real 40G link shows: none while either port is administratively down, and only LINK_DELAY_SECONDS
(default 3, 0 allowed) after both are up - the time a QSFP+ link takes to train after ifup or a
reboot - on both ends at once (TUNSETCARRIER). Unplugging the cable = stopping this process (no carrier).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ctypes
import errno
import fcntl
import os
import signal
import socket
import struct
import sys
import threading
import time

TUNSETIFF = 0x400454ca
TUNSETCARRIER = 0x400454e2  # _IOW('T', 226, int), Linux >= 5.0
SIOCGIFFLAGS, IFF_UP = 0x8913, 0x1
POLL = 0.1
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
IFF_NO_CARRIER = 0x0040  # Linux >= 6.0: attach without turning carrier on (no blip before the first poll)
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
    """(fd of TAP ``iface`` in named netns ``netns``, a socket in that netns to read its flags);
    the calling thread returns to its own netns."""
    own = '/proc/self/ns/net'
    home = os.open(own, os.O_RDONLY)
    try:
        setns('/run/netns/%s' % netns)
        fd = os.open('/dev/net/tun', os.O_RDWR)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', iface.encode(), IFF_TAP | IFF_NO_PI | IFF_NO_CARRIER))
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', iface.encode(), IFF_TAP | IFF_NO_PI))
        return fd, socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
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


def admin_up(sock, iface):
    try:
        flags = struct.unpack('16sH', fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack('16sH', iface.encode(), 0)))[1]
    except OSError:
        os._exit(1)  # the port is gone (its namespace was deleted): so is the cable
    return bool(flags & IFF_UP)


def set_carrier(fd, on):
    fcntl.ioctl(fd, TUNSETCARRIER, struct.pack('i', 1 if on else 0))


def main(argv):
    (fd_a, sock_a), (fd_b, sock_b) = open_tap(argv[0], argv[1]), open_tap(argv[2], argv[3])
    delay = float(argv[4]) if len(argv) > 4 else 3.0
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    for src, dst in ((fd_a, fd_b), (fd_b, fd_a)):
        threading.Thread(target=pump, args=(src, dst), daemon=True).start()
    carrier, since = None, None
    while True:
        both_up = admin_up(sock_a, argv[1]) and admin_up(sock_b, argv[3])
        now = time.monotonic()
        since = (since or now) if both_up else None
        want = both_up and now - since >= delay
        if want != carrier:
            set_carrier(fd_a, want)
            set_carrier(fd_b, want)
            carrier = want
        time.sleep(POLL)


if __name__ == '__main__':
    main(sys.argv[1:])
