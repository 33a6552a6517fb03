# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host's connectx_* inventory variables checked against the roles' own argument specs, on the controller.

The roles' ``meta/argument_specs.yml`` stay the one place where each variable's type, choices and default are
written. A role validates them when it starts, but a bad value then prints the whole specification (about 4 KB
per host) around one line of error; here each bad variable gets one sentence that names the host, the variable,
the value given and what it must be. Two things the argument specs cannot say are warned about: a ``connectx_*``
variable that no role reads (a typo, e.g. ``connectx_firmare_image``) and a PSID change allowed on a host that has
no image to burn.

Every function refuses an argument of the wrong type with an InputsError (reason ``invalid_argument``) whose sentence
names the argument and what it must be.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import functools
import os

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'roles')

# Variables of the collection that are not role options: host facts the roles leave for each other (documented in
# the role that sets them).
FACTS = ('connectx_reboot_pending', 'connectx_tools_state')

TYPE_WORDS = {'str': 'a string', 'path': 'a path (a string)', 'int': 'a whole number', 'bool': 'true or false',
              'float': 'a number', 'raw': 'any value', 'dict': 'a mapping', 'list': 'a list'}
PLURAL_WORDS = {'str': 'strings', 'path': 'paths (strings)', 'int': 'whole numbers', 'bool': 'true/false values',
                'float': 'numbers', 'raw': 'values', 'dict': 'mappings', 'list': 'lists'}


class InputsError(ValueError):
    """A helper of this file called with an argument of the wrong type: message and reason."""

    def __init__(self, message, reason='invalid_argument'):
        ValueError.__init__(self, message)
        self.reason = reason


def _invalid(argument, must, value):
    return InputsError('%s must be %s, got %s %s' % (argument, must, type(value).__name__, shown(value)))


def _strings(value, argument, must):
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(v, str) for v in value):
        raise _invalid(argument, must, value)
    return value


SPEC = 'an argument spec (a mapping: type and elements strings, choices a list, options a mapping of argument specs)'


def _spec_ok(spec):
    """Whether ``spec`` has the shape of an argument spec, down through its options."""
    if not isinstance(spec, dict):
        return False
    options = spec.get('options')
    return (isinstance(spec.get('type', 'str'), str) and isinstance(spec.get('elements'), (str, type(None)))
            and isinstance(spec.get('choices'), (list, tuple, type(None))) and isinstance(options, (dict, type(None)))
            and all(isinstance(k, str) and (v is None or _spec_ok(v)) for k, v in (options or {}).items()))


def _roles_dir(roles_dir):
    if not isinstance(roles_dir, str) or not os.path.isdir(roles_dir):
        raise _invalid('roles_dir', 'the path of a directory of roles (a string)', roles_dir)
    return roles_dir


def argument_specs(roles_dir=ROLES_DIR):
    """{role: its ``argument_specs`` mapping} of every role of the collection that has a meta/argument_specs.yml,
    read once per process."""
    return _argument_specs(_roles_dir(roles_dir))


@functools.lru_cache(maxsize=None)
def _argument_specs(roles_dir):
    out = {}
    for role in sorted(os.listdir(roles_dir)):
        path = os.path.join(roles_dir, role, 'meta', 'argument_specs.yml')
        if os.path.isfile(path):
            with open(path) as handle:
                out[role] = (yaml.safe_load(handle) or {}).get('argument_specs') or {}
    return out


def load_specs(roles, roles_dir=ROLES_DIR):
    """{variable: spec} of each ``role`` (its ``main`` entry point) or ``role:entry`` in ``roles``, in that order
    (the first one that declares a variable gives its spec)."""
    known = argument_specs(roles_dir)
    _strings(roles, 'roles', 'a list of role names (strings)')
    specs = {}
    for name in roles:
        role, _sep, entry = name.partition(':')
        if role not in known or (entry or 'main') not in known[role]:
            raise InputsError('roles must name roles (or role:entry points) of the collection that have argument specs '
                              '(%s), got %s' % (', '.join(entry_points(roles_dir)), shown(name)))
        options = ((known[role].get(entry or 'main') or {}).get('options')) or {}
        for option, spec in options.items():
            specs.setdefault(option, spec)
    return specs


def entry_points(roles_dir=ROLES_DIR):
    """Every ``role`` and ``role:entry`` the collection's argument specs declare."""
    out = []
    for role, entries in argument_specs(roles_dir).items():
        out.append(role)
        out.extend('%s:%s' % (role, entry) for entry in sorted(entries))
    return out


def known_variables(roles_dir=ROLES_DIR):
    """Every variable name any entry point of any role declares, plus the documented facts."""
    names = set(FACTS)
    for entries in argument_specs(roles_dir).values():
        for entry in entries.values():
            names.update(((entry or {}).get('options') or {}).keys())
    return names


def expected(spec):
    """What a value of ``spec`` must be, in words."""
    if not _spec_ok(spec):
        raise _invalid('spec', SPEC, spec)
    kind = spec.get('type', 'str')
    words = TYPE_WORDS.get(kind, kind)
    if kind == 'list':
        element = spec.get('elements')
        if element == 'dict' and spec.get('options'):
            keys = ', '.join('%s%s' % (k, ' (required)' if (v or {}).get('required') else '')
                             for k, v in spec['options'].items())
            words = 'a list of mappings with the keys %s' % keys
        elif spec.get('choices'):
            return 'a list of values from %s' % ', '.join(str(c) for c in spec['choices'])
        elif element:
            words = 'a list of %s' % PLURAL_WORDS.get(element, element)
    elif kind == 'dict' and spec.get('options'):
        words = 'a mapping with the keys %s' % ', '.join(spec['options'])
    if spec.get('choices'):
        words = 'one of %s' % ', '.join(str(c) for c in spec['choices'])
    return words


def shown(value, limit=80):
    """repr(value) cut to ``limit`` characters (at least 4), a string as 'the string ...'."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 4:
        raise InputsError('limit must be a whole number of 4 or more, got %s %s' % (type(limit).__name__, shown(limit)))
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = '(a %s too long to print)' % type(value).__name__
    if isinstance(value, str):
        text = 'the string %s' % text
    return text if len(text) <= limit else text[:limit - 3] + '...'


def check(host, specs, values, known=None, burns=False):
    """(errors, warnings) for the host's ``values`` ({variable: templated value}, only those it defines).

    Each error is one sentence: host, variable, the value given, what it must be, and what ansible-core said.
    ``burns``: the play burns images (the firmware role's main entry point), so a PSID change allowed without an
    image is worth a warning.
    """
    if not isinstance(host, str):
        raise _invalid('host', 'the inventory name of the host (a string)', host)
    if not isinstance(specs, dict) or not all(isinstance(k, str) and _spec_ok(v) for k, v in specs.items()):
        raise _invalid('specs', 'a mapping of variable names to their argument specs (as load_specs returns; each %s)' % SPEC,
                       specs)
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise _invalid('values', 'a mapping of variable names (strings) to their values', values)
    if known is not None:
        _strings(known, 'known', 'the names of the known variables (a set or list of strings), or None')
    if not isinstance(burns, bool):
        raise _invalid('burns', 'true or false', burns)
    errors, warnings = [], []
    for name in sorted(values):
        spec = specs.get(name)
        if spec is None:
            continue
        result = ArgumentSpecValidator({name: spec}).validate({name: values[name]})
        messages = []
        for message in (str(e) for e in result.error_messages):
            if not [m for m in messages if message in m]:
                messages = [m for m in messages if m not in message] + [message]
        if messages:
            errors.append('%s: %s is %s, but it must be %s (%s). Fix it where %s sets it.'
                          % (host, name, shown(values[name]), expected(spec), '; '.join(messages), host))
    if known is not None:
        for name in sorted(values):
            if name.startswith('connectx_') and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                warnings.append('%s: %s is not a variable of homelab.connectx, nothing reads it%s'
                                % (host, name, ' - did you mean %s?' % close[0] if close else '.'))
    allow = values.get('connectx_allow_psid_change')
    if burns and isinstance(allow, (bool, int, str)) and boolean(allow, strict=False) \
            and not values.get('connectx_firmware_image'):
        warnings.append('%s: connectx_allow_psid_change is true but connectx_firmware_image is not set, so nothing is '
                        'burned on %s: set the image for it, or leave the PSID change off for it.' % (host, host))
    return errors, warnings


def known_roles(roles_dir=ROLES_DIR):
    """The collection's roles that have argument specs."""
    return sorted(argument_specs(roles_dir))
