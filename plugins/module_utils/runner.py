# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small command runner shared by the collection's modules.

community.general made its CmdRunner private in 13.0, so the collection carries its own. It is
deliberately small:

* argument lists only: a string command is a programming error and is refused, there is no shell;
* ``LC_ALL=C``/``LANG=C`` so that the tools print the English labels the parsers key on;
* rc, stdout and stderr are always captured and returned together with the argv that produced them;
* calls marked ``mutating=True`` are not executed in check mode (they return a ``skipped`` result);
* a binary that is not on PATH becomes a ``fail_json`` naming the package that provides it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.homelab.connectx.plugins.module_utils.tools import DEBIAN12_MSTFLINT

# Which package provides which binary: used only to tell the user what to install.
MSTFLINT_HINT = 'the Debian package "mstflint" (apt-get install mstflint=%s)' % DEBIAN12_MSTFLINT
PACKAGE_HINTS = {
    'mstflint': MSTFLINT_HINT,
    'mstconfig': MSTFLINT_HINT,
    'mstvpd': MSTFLINT_HINT,
    'mstfwreset': MSTFLINT_HINT,
    'flint': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'mlxconfig': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'mlxfwmanager': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'mlxburn': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'mlxvpd': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'mst': 'NVIDIA MFT (the "mft" package from NVIDIA\'s firmware tools)',
    'ethtool': 'the Debian package "ethtool" (apt-get install ethtool)',
    'lspci': 'the Debian package "pciutils" (apt-get install pciutils)',
    'ip': 'the Debian package "iproute2" (apt-get install iproute2)',
    'ping': 'the Debian package "iputils-ping" (apt-get install iputils-ping)',
}

C_LOCALE = {'LC_ALL': 'C', 'LANG': 'C', 'LANGUAGE': 'C'}


class CommandResult(object):
    """What one command did: argv, rc, stdout, stderr, and whether check mode skipped it."""

    __slots__ = ('argv', 'rc', 'stdout', 'stderr', 'skipped')

    def __init__(self, argv, rc, stdout, stderr, skipped=False):
        self.argv = list(argv)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.skipped = skipped

    @property
    def ok(self):
        return self.rc == 0

    @property
    def output(self):
        """stdout and stderr together: the tools disagree on which stream carries their errors."""
        return '\n'.join(part for part in (self.stdout, self.stderr) if part)

    def as_dict(self):
        return {'argv': self.argv, 'rc': self.rc, 'stdout': self.stdout, 'stderr': self.stderr,
                'skipped': self.skipped}


class CommandRunner(object):
    """Runs tools for one AnsibleModule.

    ``module`` is an AnsibleModule (or anything with ``get_bin_path``, ``run_command``,
    ``fail_json`` and ``check_mode``). Every call is recorded in ``self.calls`` so that a module
    can return what it ran when it fails.
    """

    def __init__(self, module, package_hints=None):
        self.module = module
        self.package_hints = dict(PACKAGE_HINTS)
        self.package_hints.update(package_hints or {})
        self.calls = []
        self._paths = {}

    def find(self, name, required=True):
        """Absolute path of binary ``name`` on PATH (and the sbin dirs), or fail with the package hint."""
        if name in self._paths:
            return self._paths[name]
        path = self.module.get_bin_path(name, required=False)
        if not path and required:
            hint = self.package_hints.get(name, 'the package that provides it')
            self.module.fail_json(
                msg='The command "%s" was not found on PATH; install %s and run again.' % (name, hint),
                reason='tool_missing', binary=name, package=hint)
        self._paths[name] = path
        return path

    def has(self, name):
        """True when ``name`` is on PATH (no failure when it is not)."""
        return bool(self.find(name, required=False))

    def run(self, argv, mutating=False, data=None, binary_data=False, cwd=None, env=None):
        """Run ``argv`` (a list) and return a CommandResult; never raises on a non-zero rc.

        ``argv[0]`` is resolved on PATH unless it is already absolute. With ``mutating=True``
        and the module in check mode, nothing runs and the result has ``skipped=True``.
        """
        if isinstance(argv, (str, bytes)) or not isinstance(argv, (list, tuple)) or not argv:
            self.module.fail_json(
                msg='Internal error: commands must be given as a non-empty argument list, got %r.' % (argv,),
                reason='internal_error')
        argv = [str(arg) for arg in argv]
        if not argv[0].startswith('/'):
            argv[0] = self.find(argv[0])
        if mutating and self.module.check_mode:
            result = CommandResult(argv, 0, '', '', skipped=True)
            self.calls.append(result.as_dict())
            return result
        environ = dict(C_LOCALE)
        environ.update(env or {})
        rc, out, err = self.module.run_command(
            argv, check_rc=False, data=data, binary_data=binary_data, cwd=cwd,
            environ_update=environ, use_unsafe_shell=False, expand_user_and_vars=False)
        result = CommandResult(argv, rc, out or '', err or '')
        self.calls.append(result.as_dict())
        return result
