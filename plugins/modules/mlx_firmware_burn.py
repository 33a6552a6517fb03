#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, homelab.connectx contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mlx_firmware_burn
short_description: Burn (or crossflash) a firmware image onto a ConnectX card, safely
description:
  - Burns O(image) with C(mstflint -d BDF -i IMAGE [-allow_psid_change] -y burn) (MFT C(flint)), then verifies
    the flash (C(mstflint -d BDF v)) and checks that it now holds the image's PSID and version; when it does not,
    although the tool reported the burn done, the module fails with C(reason=verify_failed). The new firmware runs
    after a reboot (RV(reboot_required)).
  - Everything is checked before the first write - the tool version supports the card (mstflint >= 4.26 has no
    ConnectX-3 configuration support, >= 4.30 crashes on ConnectX-3 Pro; NVIDIA MFT >= 4.33 no longer supports
    ConnectX-3/ConnectX-3 Pro, the last MFT that does is 4.32), the card exists, the image is readable,
    is an FS2 image (the ConnectX-3 generation; an FS3/FS4 image of a ConnectX-4 or later is refused right after its
    query, before it is verified, C(reason=device_mismatch)), verifies and matches O(image_sha256), its device
    (ConnectX-3 vs ConnectX-3 Pro) and port count fit the card (see the notes), a PSID change is allowed and its pair
    is allowlisted, and a verified backup of the card's current firmware is in O(backup_dir).
  - Nothing is burned when the card already has the image's PSID and version (unless O(force)), or when that
    image was burned and only the reboot is missing (a burn is pending - never burn twice).
  - Two runs against the same card never burn at once - a lock file in C(/run/lock) serialises them.
version_added: 0.1.0
extends_documentation_fragment:
  - homelab.connectx.attributes
  - homelab.connectx.attributes.diff
  - homelab.connectx.tool
author:
  - homelab.connectx contributors (@homelab-connectx)
options:
  device:
    description: PCI address of the card (C(0000:03:00.0) or C(03:00.0)).
    type: str
    required: true
  image:
    description: Path of the firmware image (C(.bin)) on the host.
    type: path
    required: true
  image_sha256:
    description:
      - Expected sha256 of the image (64 hex digits); a different file is refused (C(reason=checksum_mismatch)).
      - A blank or malformed value is refused (C(reason=invalid_argument)); leave the option out to burn without a pin.
    type: str
  allow_psid_change:
    description: Allow an image whose PSID differs from the card's (a crossflash), for allowlisted pairs only.
    type: bool
    default: false
  allowed_psid_changes:
    description:
      - PSID pairs that may change. Default - pairs people have crossflashed with success on the same board
        (MT_1090110018 -> MT_1090120019, ISL1090110018 -> MT_1090120019, MT_1090111023 -> MT_1090111019).
    type: list
    elements: dict
    suboptions:
      from:
        description: PSID on the card.
        type: str
        required: true
      to:
        description: PSID of the image.
        type: str
        required: true
  force:
    description: Burn even when the card already has the image's PSID and version.
    type: bool
    default: false
  backup_dir:
    description:
      - Directory of the card's backups (as written by M(homelab.connectx.mlx_firmware_backup)). The burn is
        refused (C(reason=no_backup)) unless C(<psid>_<fw_version>_<base_guid>.image) of the current firmware is
        there and matches C(SHA256SUMS).
      - Required unless O(skip_backup_check=true).
    type: path
  skip_backup_check:
    description: Burn without a verified backup (not recommended).
    type: bool
    default: false
  lock_timeout:
    description: Seconds to wait for another burn of the same card to finish.
    type: int
    default: 600
  allow_unverified_fit:
    description:
      - PCI addresses of cards (C(0000:03:00.0) or C(03:00.0)) on which an image may be burned although its fit
        cannot be established (C(reason=fit_unknown), see the notes). Name a card only after checking yourself that
        the image is for its board - the same ConnectX generation and the same number of ports.
      - It never overrides a known misfit (C(reason=device_mismatch)). A malformed address is refused
        (C(reason=invalid_argument)). The burn then warns, and RV(fit.unverified_override) is true.
      - The firmware role passes C(connectx_firmware_unverified_fit) here (through M(homelab.connectx.mlx_firmware)).
    type: list
    elements: str
    default: []
    version_added: 0.4.0
notes:
  - "Whether the image fits the card is decided from what both say about themselves, not from the PSID table alone.
    The card - its PCI device id (sysfs), the C(mlx4_portN) attributes of the mlx4 driver (one per port), the
    highest C(dev_port) of its netdevs (a lower bound), its flash's PSID in the board table, and when these do not
    establish the port count its VPD part number (C(MCX353A-...) is single-port) and its flash's PRS name
    (C(q full)). The image - the device id and PSID it prints, and when the PSID is not in the board table its PRS
    name (C(q full))."
  - "Decision - another device (a ConnectX-3 Pro image on a ConnectX-3 or the reverse) is refused
    (C(reason=device_mismatch)); so is an image for more ports than the card has (a dual-port image on a
    single-port card), and an image for fewer ports than the card has (a single-port image on a dual-port card:
    the firmware would drive port 1 only and leave port 2 dark - burn the image of the card's own board). Same
    device and port count - the burn goes on to the PSID checks."
  - "When the facts cannot establish the device or the port count of either side, or contradict each other, the
    burn is refused (C(reason=fit_unknown), with the facts found on both sides) unless O(allow_unverified_fit) names
    the card. An unknown PSID never means allowed - allowlisting a PSID pair (O(allowed_psid_changes)) does not
    establish the fit."
'''

EXAMPLES = r'''
- name: Crossflash an MCX354A-QCBT to MCX354A-FCBT firmware
  homelab.connectx.mlx_firmware_burn:
    device: "0000:03:00.0"
    image: /var/lib/connectx/fw-ConnectX3-rel-2_42_5000-MCX354A-FCB_A2-A5-FlexBoot-3.4.752.bin
    image_sha256: "{{ fcbt_sha256 }}"
    allow_psid_change: true
    backup_dir: /var/lib/connectx/backup
  register: burn

- name: Reboot when a burn happened
  ansible.builtin.reboot:
  when: burn.reboot_required
'''

RETURN = r'''
burned:
  description: Whether this run wrote the flash.
  returned: success
  type: bool
reboot_required:
  description: Whether the card runs other firmware than its flash holds (after a burn, or a burn pending a reboot).
  returned: success
  type: bool
previous:
  description: PSID and version on the flash before the run.
  returned: success
  type: dict
  sample: {psid: MT_1090110018, fw_version: 2.40.5030}
current:
  description: PSID and version on the flash after the run (in check mode, what it would be).
  returned: success
  type: dict
  sample: {psid: MT_1090120019, fw_version: 2.42.5000}
running:
  description: Firmware version the card runs now (C(FW Version(Running)), or the flash version when it prints none).
  returned: success
  type: str
image:
  description: The image that was checked - path, sha256, PSID, version.
  returned: success
  type: dict
waited_for_lock:
  description: Seconds spent waiting for another burn of the same card.
  returned: success
  type: float
fit:
  description:
    - Whether the image fits the card, and the facts of each side (see the notes); also returned with the refusals
      V(device_mismatch) and V(fit_unknown) that it decides.
  returned: when the burn was checked (not when the card is already at the image)
  type: dict
  version_added: 0.4.0
  contains:
    verdict:
      description: V(fits), V(mismatch) or V(unknown).
      type: str
    problem:
      description: >-
        null when it fits; V(family), V(more_ports), V(fewer_ports) (a mismatch); V(family_unknown),
        V(card_ports_unknown), V(image_ports_unknown) (unknown).
      type: str
    card:
      description:
        - What the card says - C(device_id), C(family), C(psid), C(part_number), C(prs_name), C(driver_ports),
          C(netdev_ports), and from them C(ports) (null when not established), C(at_least), C(sources) (each fact that
          gives a port count, with that count) and C(disagree).
      type: dict
    image:
      description: What the image says, the same keys (C(device_id) as the image prints it, in decimal).
      type: dict
    unverified_override:
      description: Whether the fit is unknown and the burn went on because O(allow_unverified_fit) names the card.
      type: bool
reason:
  description: >-
    Machine-readable refusal reason - V(psid_change_not_allowed), V(psid_pair_not_allowlisted), V(device_mismatch),
    V(fit_unknown), V(image_invalid), V(checksum_mismatch), V(no_backup), V(tool_unsupported), V(no_device),
    V(burn_failed), V(verify_failed) (the burn reported success, the flash does not verify or does not hold the
    image), V(locked), V(semaphore), V(not_found), V(tool_missing), V(invalid_argument).
  returned: failure
  type: str
'''

import errno
import fcntl
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.homelab.connectx.plugins.module_utils.runner import CommandRunner
from ansible_collections.homelab.connectx.plugins.module_utils.common import (
    TOOL_OPTION, select_flavour, binary, refuse, read_sysfs, tool_support, normalize_bdf)
from ansible_collections.homelab.connectx.plugins.module_utils import firmware, parse_flint, psid, tools

SYSFS_PCI = firmware.SYSFS_PCI
SHA256_RE = re.compile(r'^[0-9a-fA-F]{64}\Z')
BDF_RE = re.compile(r'^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\Z')
LOCK_DIR = '/run/lock'


def take_lock(module, runner, bdf, timeout):
    """Exclusive flock per card; returns (fd, seconds waited) or refuses with reason=locked."""
    path = os.path.join(LOCK_DIR, 'homelab-connectx-%s.lock' % bdf.replace(':', '_'))
    try:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        refuse(module, runner, 'Cannot create the lock file %s (%s).' % (path, exc), 'locked', lock=path)
    start = time.time()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd, round(time.time() - start, 1)
        except (IOError, OSError) as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.time() - start >= timeout:
            os.close(fd)
            refuse(module, runner, 'Another run is burning the card at %s (lock %s held for more than %s s); wait for it '
                   'to finish and run again.' % (bdf, path, timeout), 'locked', lock=path)
        time.sleep(1)


def board_fit(module, runner, flavour, bdf, devdir, device_id, card, image, named):
    """Whether the image fits the card (psid.assess_fit), from what both say about themselves: first the PCI device
    id, sysfs's ports and the PSIDs already read; when that does not establish the fit, also the card's VPD part
    number and the PRS names of the card's flash and of the image (``q full``). Refuses a known misfit
    (device_mismatch) and, unless allow_unverified_fit names this card (``named``: the cards it names, normalised), an
    unknown fit (fit_unknown): naming another card overrides nothing here. Returns the assessment."""
    unverified = bdf in named
    card_facts = dict(firmware.sysfs_ports(devdir), device_id=device_id, psid=card.get('psid'))
    image_facts = dict(device_id=image['device_ids'][0] if image['device_ids'] else None, psid=image['psid'])
    fit = psid.assess_fit(psid.fit_side(**card_facts), psid.fit_side(**image_facts))
    if fit['verdict'] == 'unknown' and fit['problem'] != 'family_unknown':
        if not fit['card']['ports']:
            card_facts['part_number'] = firmware.read_part_number(runner, flavour, bdf)
            if not psid.fit_side(**card_facts)['ports']:
                card_facts['prs_name'] = firmware.read_prs_name(runner, flavour, device=bdf)
        if not fit['image']['ports']:
            image_facts['prs_name'] = firmware.read_prs_name(runner, flavour, image=image['path'])
        fit = psid.assess_fit(psid.fit_side(**card_facts), psid.fit_side(**image_facts))
    card_says, image_says = psid.describe_side(fit['card']), psid.describe_side(fit['image'])
    if fit['problem'] == 'family':
        refuse(module, runner, 'The image %s is for a %s, the card at %s is a %s; use an image for this card. Card - %s. '
               'Image - %s. Nothing has been changed.'
               % (image['path'], psid.family_name(fit['image']['family']), bdf, psid.family_name(fit['card']['family']),
                  card_says, image_says), 'device_mismatch', image=image, fit=fit)
    if fit['problem'] == 'more_ports':
        refuse(module, runner, 'The image %s is for a %d-port board, the card at %s has %d port(s); use an image for '
               'this board. Card - %s. Image - %s. Nothing has been changed.'
               % (image['path'], fit['image']['ports'], bdf, fit['card']['ports'], card_says, image_says),
               'device_mismatch', image=image, fit=fit)
    if fit['problem'] == 'fewer_ports':
        refuse(module, runner, 'The image %s is for a %d-port board, the card at %s has %d ports: the firmware would '
               'leave port %d dark; use the image of the card\'s own board. Card - %s. Image - %s. Nothing has been '
               'changed.' % (image['path'], fit['image']['ports'], bdf, fit['card']['ports'], fit['card']['ports'],
                             card_says, image_says), 'device_mismatch', image=image, fit=fit)
    fit['unverified_override'] = fit['verdict'] == 'unknown' and unverified
    if fit['verdict'] == 'unknown' and not unverified:
        refuse(module, runner, 'Cannot tell whether the image %s fits the card at %s: neither the board table nor '
               'what the card and the image say about themselves establish its device and port count. Card - %s. '
               'Image - %s. Fix: burn the image made for this card\'s board; or, when you have checked yourself that '
               'this image is for this board (same ConnectX generation, same number of ports), name the card in '
               'allow_unverified_fit (firmware role: connectx_firmware_unverified_fit: [\'%s\']).%s Nothing has been '
               'changed.' % (image['path'], bdf, card_says, image_says, bdf,
                             ' allow_unverified_fit names %s, not this card.' % ', '.join(named) if named else ''),
               'fit_unknown', image=image, fit=fit)
    if fit['unverified_override']:
        module.warn('The fit of %s on the card at %s is not established (card - %s; image - %s); burning it because '
                    'allow_unverified_fit names this card (%s).' % (image['path'], bdf, card_says, image_says, bdf))
    return fit


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='str', required=True),
            image=dict(type='path', required=True),
            image_sha256=dict(type='str'),
            allow_psid_change=dict(type='bool', default=False),
            allowed_psid_changes=dict(type='list', elements='dict', options={'from': dict(type='str', required=True),
                                                                             'to': dict(type='str', required=True)}),
            force=dict(type='bool', default=False),
            backup_dir=dict(type='path'),
            skip_backup_check=dict(type='bool', default=False),
            lock_timeout=dict(type='int', default=600),
            allow_unverified_fit=dict(type='list', elements='str', default=[]),
            tool=TOOL_OPTION,
        ),
        required_if=[('skip_backup_check', False, ('backup_dir',))],
        supports_check_mode=True,
    )
    params = module.params
    runner = CommandRunner(module)
    # A blank or malformed pin would switch the checksum check off: refused before anything runs.
    if params['image_sha256'] is not None and not SHA256_RE.match(params['image_sha256'].strip()):
        refuse(module, runner, 'image_sha256 must be the 64 hex digits that `sha256sum <image>` prints, got %r; leave it '
               'out only to burn an image without a pin. Nothing has been changed.' % params['image_sha256'],
               'invalid_argument')
    malformed = [a for a in params['allow_unverified_fit'] if not BDF_RE.match(normalize_bdf(a))]
    if malformed:
        refuse(module, runner, 'allow_unverified_fit names cards by PCI address (0000:03:00.0 or 03:00.0), got %s. '
               'Nothing has been changed.' % ', '.join(repr(a) for a in malformed), 'invalid_argument')
    if params['lock_timeout'] < 0:
        refuse(module, runner, 'lock_timeout must be 0 or more seconds, got %d. Nothing has been changed.'
               % params['lock_timeout'], 'invalid_argument')
    flavour = select_flavour(runner, params['tool'])
    runner.find(binary(flavour, 'flint'))
    bdf, devdir = firmware.find_card(module, runner, params['device'], SYSFS_PCI)
    device_id = (read_sysfs(os.path.join(devdir, 'device')) or '').lower().replace('0x', '')
    family = psid.family_for_device_id(device_id)
    named = sorted(set(normalize_bdf(a) for a in params['allow_unverified_fit']))

    support = tool_support(runner, flavour, family)
    if not support['query'] or not support['burn']:
        refuse(module, runner, '%s Fix: %s.' % (support['message'], support['fix']), 'tool_unsupported', fix=support['fix'])

    fd, waited = take_lock(module, runner, bdf, params['lock_timeout'])
    try:
        card = firmware.query_card(module, runner, flavour, bdf)
        # An image of another generation (FS3/FS4: ConnectX-4 and later) is refused right after its query.
        image = firmware.inspect_image(module, runner, flavour, params['image'], burnable_only=True)
        image['path'] = params['image']
        pin = (params['image_sha256'] or '').strip().lower()
        if pin and pin != image['sha256']:
            refuse(module, runner, 'The image %s has sha256 %s, not the expected %s; download it again or fix the pin.'
                   % (params['image'], image['sha256'], pin), 'checksum_mismatch', image=image)
        previous = {'psid': card.get('psid'), 'fw_version': card.get('fw_version')}
        target = {'psid': image['psid'], 'fw_version': image['fw_version']}
        running = card.get('fw_version_running') or card.get('fw_version')
        result = dict(changed=False, burned=False, previous=previous, current=previous, image=image, device=bdf,
                      running=running, reboot_required=running != card.get('fw_version'), waited_for_lock=waited,
                      tool=flavour)
        if previous == target and not params['force']:
            module.exit_json(**result)

        fit = board_fit(module, runner, flavour, bdf, devdir, device_id, card, image, named)
        result['fit'] = fit

        if card.get('psid') != image['psid']:
            if not params['allow_psid_change']:
                refuse(module, runner, 'The image PSID %s differs from the card\'s %s; set allow_psid_change to '
                       'crossflash.' % (image['psid'], card.get('psid')), 'psid_change_not_allowed', image=image)
            allowed = params['allowed_psid_changes']
            if not psid.psid_change_allowed(card.get('psid'), image['psid'], allowed):
                refuse(module, runner, 'Changing the PSID %s to %s is not in the allowlist; add {from: %s, to: %s} to '
                       'allowed_psid_changes only if this board is known to run that firmware.'
                       % (card.get('psid'), image['psid'], card.get('psid'), image['psid']),
                       'psid_pair_not_allowlisted', image=image)

        if not params['skip_backup_check']:
            name = os.path.basename(firmware.backup_path(params['backup_dir'], card, 'image'))
            if not firmware.backup_is_intact(params['backup_dir'], name):
                refuse(module, runner, 'No verified backup of the current firmware (%s in %s with its SHA256SUMS line); '
                       'run mlx_firmware_backup first.' % (name, params['backup_dir']), 'no_backup', backup=name)

        result.update(changed=True, current=target, reboot_required=True,
                      diff={'before': 'psid: %(psid)s\nfw_version: %(fw_version)s\n' % previous,
                            'after': 'psid: %(psid)s\nfw_version: %(fw_version)s\n' % target})
        if module.check_mode:
            module.exit_json(**result)

        options = ['-allow_psid_change'] if card.get('psid') != image['psid'] else []
        burn = runner.run(tools.argv(flavour, 'burn', device=bdf, image=params['image'], options=options), mutating=True)
        parsed = parse_flint.parse_burn(burn.output)
        if not burn.ok or not parsed['ok']:
            error = parse_flint.classify_error(burn.output, burn.rc)
            refuse(module, runner, 'Burning %s on %s failed: %s. The card was not rebooted; its previous firmware is '
                   'in the backup (restore.yml).' % (params['image'], bdf, error['message']), 'burn_failed',
                   result=burn, tool_reason=error['reason'])
        # The tool reads back each write as it burns; this reads the whole flash again once it is done.
        verify = runner.run(tools.argv(flavour, 'verify', device=bdf))
        ok, checked = firmware.verified(verify)
        after = firmware.query_card(module, runner, flavour, bdf)
        now = {'psid': after.get('psid'), 'fw_version': after.get('fw_version')}
        if not ok or now != target:
            state = 'verifies' if ok else 'does not verify (%s)' % checked.get('message')
            how = '' if ok else ' with skip_backup_check (a flash that does not verify cannot be backed up)'
            refuse(module, runner, 'The burn reported success, but after it the flash of %s holds %s %s and %s; do not '
                   'reboot, burn the backup back%s.' % (bdf, now['psid'], now['fw_version'], state, how),
                   'verify_failed', result=verify)
        result.update(burned=True, current=now, running=after.get('fw_version_running') or running)
        module.exit_json(**result)
    finally:
        os.close(fd)


if __name__ == '__main__':
    main()
