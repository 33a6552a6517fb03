# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The kernel-module files of the mlx4 driver, as pure functions (text in, text out).

The file formats are kmod's (modprobe.d(5), modules-load.d(5)), written the way
community.general.kernel_blacklist and community.general.modprobe (persistent=present) write them, so
that a node first set up by the earlier roles is not rewritten: ``blacklist NAME`` lines in the
collection's own file, ``NAME`` in ``/etc/modules-load.d/NAME.conf``, one ``options mlx4_core K=V`` line
per option in ``/etc/modprobe.d/mlx4_core.conf``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

MODULE_NAME = re.compile(r'^[A-Za-z0-9_-]+\Z')
OPTION_NAME = re.compile(r'^[a-z0-9_]+\Z')


def core_params(options, port_type_fallback=''):
    """``['name=value', ...]`` (sorted) for mlx4_core; booleans as 1/0; ``port_type_fallback`` (the port_config role's
    output when a card's configuration is unreadable) as port_type_array unless the options set it.

    Raises ValueError with a sentence for a bad name or a value with a space.
    """
    opts = dict(options or {})
    if port_type_fallback and 'port_type_array' not in opts:
        opts['port_type_array'] = port_type_fallback
    out = []
    for name in sorted(opts, key=str):
        if not OPTION_NAME.match(str(name)):
            raise ValueError('mlx4_core option names are lower case letters, digits and _: %r' % (name,))
        value = opts[name]
        value = (1 if value else 0) if isinstance(value, bool) else value
        if value is None or not re.match(r'^\S+\Z', str(value)):
            raise ValueError('the mlx4_core option %s=%r has no value or contains a space' % (name, value))
        out.append('%s=%s' % (name, value))
    return out


def _strip(line):
    return line.split('#', 1)[0].strip()


def blacklist_content(text, names):
    """``text`` with a ``blacklist NAME`` line appended for each of ``names`` it does not have yet."""
    have = set()
    for line in (text or '').splitlines():
        words = _strip(line).split()
        if len(words) == 2 and words[0] == 'blacklist':
            have.add(words[1])
    missing = [n for n in names if n not in have]
    if not missing:
        return text or ''
    out = text or ''
    if out and not out.endswith('\n'):
        out += '\n'
    return out + ''.join('blacklist %s\n' % n for n in missing)


def loads_at_boot(texts, name):
    """Whether one of the modules-load.d file texts lists module ``name``."""
    for text in texts:
        for line in (text or '').splitlines():
            stripped = line.strip()
            if stripped and stripped[0] not in '#;' and _strip(stripped) == name:
                return True
    return False


def options_of(text, module):
    """The ``K=V`` words of the ``options MODULE ...`` lines of one modprobe.d file text."""
    out = []
    for line in (text or '').splitlines():
        words = _strip(line).split()
        if len(words) >= 3 and words[0] == 'options' and words[1] == module:
            out.extend(words[2:])
    return out


def comment_options(text, module):
    """``text`` with its ``options MODULE ...`` lines commented out (another file takes over)."""
    lines = []
    for line in (text or '').splitlines(True):
        words = _strip(line).split()
        lines.append('#' + line if len(words) >= 3 and words[0] == 'options' and words[1] == module else line)
    return ''.join(lines)


def options_content(module, params):
    """The collection's ``/etc/modprobe.d/MODULE.conf``: one ``options MODULE K=V`` line per option."""
    return ''.join('options %s %s\n' % (module, p) for p in params)


def loaded_modules(proc_modules):
    """Module names of a ``/proc/modules`` text."""
    return [line.split()[0] for line in (proc_modules or '').splitlines() if line.strip()]
