# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's local Debian mirror (tests/lab/mirror.py): built per host image, served on the bridge."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import signal
import socket
import subprocess
import sys
import time

from labkit.common import LAB, MIRROR, STATE, LabError, live_pid, podman
import mirror  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order,import-error


def mirror_pidfile():
    return os.path.join(STATE, 'mirror.pid')


def mirror_alive():
    return live_pid(mirror_pidfile(), lambda cmdline: mirror.MARKER.encode() in cmdline.split(b'\0'))


def ensure_mirror(tags, net):
    """The local Debian mirror (tests/lab/mirror.py): a repository per Debian release of the lab's hosts ({suite: image
    tag}), built once per host image, and the bookworm route's when a host runs Debian 13; served on the bridge.
    Returns {suite: the sources.list of a host of that release}."""
    def installed(tag):
        res = podman('run', '--rm', '--network', 'none', tag, 'dpkg-query', '--show', '--showformat=${Package}\\n')
        return res.stdout.split()
    try:
        for suite, tag in sorted(tags.items()):
            mirror.build(STATE, tag, lambda tag=tag: installed(tag), suite=suite, archive=MIRROR)
        if 'trixie' in tags:
            mirror.build_route(STATE, MIRROR)
    except mirror.MirrorError as exc:
        raise LabError('the package mirror: %s' % exc)
    directory = mirror.served_root(STATE)
    address = str(next(net.hosts()))
    sources = dict((suite, mirror.sources_line(address, suite)) for suite in tags)
    if mirror_alive():
        return sources
    with open(os.path.join(STATE, 'mirror.log'), 'w') as log_file:
        proc = subprocess.Popen([sys.executable, os.path.join(LAB, 'mirror.py'), 'serve', address,
                                 '%d,%d' % (mirror.PORT, mirror.ARCHIVE_PORT), directory,
                                 mirror.MARKER], start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log_file)
    with open(mirror_pidfile(), 'w') as handle:
        handle.write(str(proc.pid))
    deadline = time.time() + 10
    while True:
        if proc.poll() is not None:
            raise LabError('the package mirror stopped at once (see .cache/lab/mirror.log)')
        try:
            socket.create_connection((address, mirror.PORT), timeout=0.5).close()
            break
        except OSError:
            if time.time() >= deadline:
                stop_mirror()
                raise LabError('the package mirror does not answer on %s:%s after 10 s (see .cache/lab/mirror.log)'
                               % (address, mirror.PORT))
            time.sleep(0.1)
    return sources


def stop_mirror():
    pid = mirror_alive()
    if pid:
        os.kill(pid, signal.SIGTERM)
    if os.path.exists(mirror_pidfile()):
        os.unlink(mirror_pidfile())
