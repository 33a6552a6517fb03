# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip.py from a host outside the package registries, which CI cannot
reach. It runs the cached file at ~/.ansible/test/cache/get_pip_<ver>.py with the pip options and
the packages to install as arguments. This stand-in installs pip with ``ensurepip`` (bundled with
CPython) and then lets that pip install the requested packages from the configured registry.
ensurepip sets PIP_CONFIG_FILE=/dev/null for itself, so both steps run as subprocesses with the
environment this script was started with (the registry and certificate settings survive).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel', '--no-pip')


def main():
    env = dict(os.environ)
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], env=env,
                          stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args, env=env)


if __name__ == '__main__':
    main()
