#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx4_driver
short_description: Use the mlx4 Ethernet driver and keep the InfiniBand one out, in one call
description:
  - Writes what differs of the three kernel-module files of the mlx4 driver, unloads the blacklisted modules, loads
    the Ethernet one, rebuilds the initramfs when a file changed, then reads C(/proc/modules) back and fails unless
    O(module) is loaded and no blacklisted module is.
  - The files, in kmod's formats (C(modprobe.d(5)), C(modules-load.d(5))) and as community.general.kernel_blacklist
    and community.general.modprobe write them; lines that are not this module's are kept.
  - O(blacklist_file) gets a C(blacklist NAME) line for each of O(blacklist) it does not have.
  - C(/etc/modules-load.d/MODULE.conf) gets O(module) unless a file of C(/etc/modules-load.d) lists it already.
  - C(/etc/modprobe.d/mlx4_core.conf) gets one C(options mlx4_core K=V) line per option of O(core_options) (and
    O(port_type_fallback)), when they differ from what C(/etc/modprobe.d) sets; the C(options mlx4_core) lines of
    other files there are commented out. Without options the file is left alone.
  - Check mode writes nothing, loads and unloads nothing, and returns the diff of each file.
version_added: 0.3.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  module:
    description: Kernel module to load now and at every boot.
    type: str
    default: mlx4_en
  blacklist:
    description: Kernel modules to blacklist (and unload, see O(unload_blacklisted)).
    type: list
    elements: str
    default: [mlx4_ib]
  blacklist_file:
    description: The file of the blacklist entries (the collection's own).
    type: path
    default: /etc/modprobe.d/connectx-blacklist.conf
  unload_blacklisted:
    description: Unload the blacklisted modules now (C(modprobe -r)), not only from the next boot on.
    type: bool
    default: true
  core_options:
    description:
      - "C(mlx4_core) options, for example V({num_vfs: 4, probe_vf: 0}); booleans are written as 1 and 0."
      - Effective at the next load of the driver (the next boot).
    type: dict
    default: {}
  port_type_fallback:
    description:
      - C(port_type_array) for C(mlx4_core) (for example V(2,2)) unless O(core_options) sets it; the port_config role's
        output for a card whose configuration cannot be read.
    type: str
    default: ''
  initramfs:
    description: Rebuild the initramfs (C(update-initramfs -u)) when a file changed, so that the next boot uses them.
    type: bool
    default: true
requirements:
  - kmod (modprobe), initramfs-tools (update-initramfs)
'''

EXAMPLES = r'''
- name: Use the Ethernet driver
  homelab.connectx.mlx4_driver:

- name: Ethernet driver with SR-IOV options for the next boot
  homelab.connectx.mlx4_driver:
    core_options:
      num_vfs: 4
      probe_vf: 0
'''

RETURN = r'''
msg:
  description: One line of what the call found and did.
  returned: success
  type: str
  sample: mlx4_en loaded, mlx4_ib blacklisted; wrote /etc/modprobe.d/connectx-blacklist.conf; initramfs rebuilt
files:
  description: The files written (or, in check mode, that would be).
  returned: success
  type: list
  elements: str
  sample: [/etc/modprobe.d/connectx-blacklist.conf, /etc/modules-load.d/mlx4_en.conf]
unloaded:
  description: The blacklisted modules unloaded (in check mode, that would be).
  returned: success
  type: list
  elements: str
  sample: [mlx4_ib]
loaded:
  description: Whether O(module) was loaded by this call (in check mode, would be).
  returned: success
  type: bool
initramfs_rebuilt:
  description: Whether the initramfs was rebuilt (in check mode, would be).
  returned: success
  type: bool
modules:
  description: O(module) and the blacklisted modules that are loaded after the call, from C(/proc/modules).
  returned: success
  type: list
  elements: str
  sample: [mlx4_en]
reason:
  description:
    - Machine-readable failure reason. V(invalid_argument) (a bad name or option, nothing changed), V(tool_failed)
      (modprobe or update-initramfs failed), V(not_loaded) (O(module) is not loaded afterwards), V(still_loaded)
      (a blacklisted module is still loaded afterwards).
  returned: failure
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import read_text, refuse, restore_files, write_files
from ansible_collections.homelab.connectx.plugins.module_utils import driver

MODULES_LOAD_DIR = '/etc/modules-load.d'
MODPROBE_DIR = '/etc/modprobe.d'
PROC_MODULES = '/proc/modules'
CORE = 'mlx4_core'


def _read(path):
    """A file the module may rewrite: None only when it does not exist; unreadable raises IOError."""
    return read_text(path, strict=True)


def _conf_files(directory):
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith('.conf') and os.path.isfile(os.path.join(directory, n))]


def plan_files(params):
    """``{path: (before or None, after)}`` for each file that must change."""
    out = {}
    before = _read(params['blacklist_file'])
    after = driver.blacklist_content(before, params['blacklist'])
    if after != (before or ''):
        out[params['blacklist_file']] = (before, after)
    name = params['module']
    if not driver.loads_at_boot([_read(p) for p in _conf_files(MODULES_LOAD_DIR)], name):
        path = os.path.join(MODULES_LOAD_DIR, name + '.conf')
        out[path] = (_read(path), name + '\n')
    wanted = driver.core_params(params['core_options'], params['port_type_fallback'])
    if wanted:
        ours = os.path.join(MODPROBE_DIR, CORE + '.conf')
        texts = dict((path, _read(path)) for path in _conf_files(MODPROBE_DIR))
        current = dict((path, text) for path, text in texts.items() if driver.options_of(text, CORE))
        have = set(w for text in current.values() for w in driver.options_of(text, CORE))
        if have != set(wanted):
            for path, text in current.items():
                if path != ours:
                    out[path] = (text, driver.comment_options(text, CORE))
            out[ours] = (texts[ours] if ours in texts else _read(ours), driver.options_content(CORE, wanted))
    return out


def main():
    module = AnsibleModule(argument_spec=dict(
        module=dict(type='str', default='mlx4_en'),
        blacklist=dict(type='list', elements='str', default=['mlx4_ib']),
        blacklist_file=dict(type='path', default='/etc/modprobe.d/connectx-blacklist.conf'),
        unload_blacklisted=dict(type='bool', default=True),
        core_options=dict(type='dict', default={}),
        port_type_fallback=dict(type='str', default=''),
        initramfs=dict(type='bool', default=True),
    ), supports_check_mode=True)
    runner = CommandRunner(module)
    params = module.params
    bad = [n for n in [params['module']] + params['blacklist'] if not driver.MODULE_NAME.match(n)]
    if bad:
        refuse(module, runner, 'Not a kernel module name: %s (letters, digits, _ and -). Nothing has been changed.'
               % ', '.join(repr(n) for n in bad), 'invalid_argument')
    if params['module'].replace('-', '_') in [n.replace('-', '_') for n in params['blacklist']]:
        refuse(module, runner, '%s is both the module to load and blacklisted (%s). Nothing has been changed.'
               % (params['module'], ', '.join(params['blacklist'])), 'invalid_argument')
    try:
        files = plan_files(params)
    except ValueError as exc:
        refuse(module, runner, 'Bad mlx4_core options: %s. Nothing has been changed.' % exc, 'invalid_argument')
    except (OSError, IOError) as exc:
        refuse(module, runner, 'Cannot read a kernel module file (%s); run as root (become: true). Nothing has been '
               'changed.' % exc, 'unreadable')

    loaded = driver.loaded_modules(read_text(PROC_MODULES))
    blacklisted = [n for n in params['blacklist'] if n.replace('-', '_') in loaded]
    unload = blacklisted if params['unload_blacklisted'] else []
    load = params['module'].replace('-', '_') not in loaded
    rebuild = bool(files) and params['initramfs']

    previous = dict((path, files[path][0]) for path in files)
    if not module.check_mode:
        try:
            write_files(module, dict((path, files[path][1]) for path in files), previous)
        except (OSError, IOError) as exc:
            refuse(module, runner, 'Cannot write the kernel module files (%s); the ones written were put back. Nothing '
                   'has been changed.' % exc, 'write_failed')
    # The initramfs first: when it cannot be rebuilt, the files are put back, so that the next run sees the
    # difference and tries again (the next boot would otherwise go on loading what the files keep out).
    if rebuild:
        res = runner.run(['update-initramfs', '-u'], mutating=True)
        if not res.ok:
            stuck = restore_files(module, previous)
            refuse(module, runner, 'update-initramfs -u failed (%s); the files were put back%s, nothing else changed.'
                   % (res.output.strip(), (' except ' + ', '.join(stuck)) if stuck else ''), 'tool_failed', result=res)
    for name in unload:
        res = runner.run(['modprobe', '-r', name], mutating=True)
        if not res.ok:
            refuse(module, runner, 'modprobe -r %s failed (%s): something still uses it; see lsmod. Files written: %s.'
                   % (name, res.output.strip(), ', '.join(sorted(files)) or 'none'), 'tool_failed', result=res)
    if load:
        res = runner.run(['modprobe', params['module']], mutating=True)
        if not res.ok:
            refuse(module, runner, 'modprobe %s failed (%s); see dmesg. Files written: %s.'
                   % (params['module'], res.output.strip(), ', '.join(sorted(files)) or 'none'), 'tool_failed', result=res)

    after = loaded if module.check_mode else driver.loaded_modules(read_text(PROC_MODULES))
    relevant = [n for n in [params['module']] + params['blacklist'] if n.replace('-', '_') in after]
    if not module.check_mode:
        if params['module'].replace('-', '_') not in after:
            refuse(module, runner, '%s is not loaded; see dmesg and `modprobe -v %s`.' % (params['module'], params['module']),
                   'not_loaded', modules=relevant)
        still = [n for n in params['blacklist'] if n.replace('-', '_') in after]
        if still:
            refuse(module, runner, '%s is still loaded; see dmesg and lsmod.' % ', '.join(still), 'still_loaded', modules=relevant)
    would = 'would be ' if module.check_mode else ''
    msg = '%s %sloaded, %s blacklisted' % (params['module'], would if load else '', ', '.join(params['blacklist']) or 'nothing')
    if files:
        msg += '; %s %s' % ('would write' if module.check_mode else 'wrote', ', '.join(sorted(files)))
    if unload:
        msg += '; %s %sunloaded' % (', '.join(unload), would)
    if rebuild:
        msg += '; initramfs %srebuilt' % would
    result = dict(changed=bool(files or unload or load), msg=msg, files=sorted(files), unloaded=unload, loaded=load,
                  initramfs_rebuilt=rebuild, modules=relevant, commands=runner.calls)
    if module._diff:
        result['diff'] = [dict(before_header=p, after_header=p, before=files[p][0] or '', after=files[p][1])
                          for p in sorted(files)]
    module.exit_json(**result)


if __name__ == '__main__':
    main()
