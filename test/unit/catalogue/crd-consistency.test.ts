// The CRD rejects at admission the component types a profile does not have; that rule mirrors
// the catalogue's `unsupported` entries. This keeps the two in step for every profile and type.
import test from 'ava';
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { ComponentType, ProfileName } from '../../../operator/api/v1alpha1.js';
import { COMPONENT_TYPES_IN_ORDER, PROFILES, catalogueEntry, isUnsupported } from '../../../operator/catalogue/index.js';

const crd = yaml.load(fs.readFileSync('crds/hono.eclipse.org_honotlsconfigs.yaml', 'utf8')) as any;
const schema = crd.spec.versions[0].schema.openAPIV3Schema;
const rules: string[] = schema.properties.spec['x-kubernetes-validations'].map((r: { rule: string }) => r.rule);

const names = (list: string) => list.split(',').map((s) => s.trim().replace(/'/g, ''));

/** Interprets the two profile/type rules: "types in [..] need a profile in [..]" and "type T not with a profile in [..]". */
function crdAllows(type: ComponentType, profile: ProfileName): boolean {
  let allowed = true;
  let understood = 0;
  for (const r of rules) {
    const only = /!\(c\.type in \[([^\]]+)\]\) \|\| \(has\(c\.profile\) \? c\.profile : self\.profile\) in \[([^\]]+)\]/.exec(r);
    if (only) {
      understood++;
      if (names(only[1]!).includes(type) && !names(only[2]!).includes(profile)) allowed = false;
    }
    const not = /c\.type != '([^']+)' \|\| !\(\(has\(c\.profile\) \? c\.profile : self\.profile\) in \[([^\]]+)\]\)/.exec(r);
    if (not) {
      understood++;
      if (not[1] === type && names(not[2]!).includes(profile)) allowed = false;
    }
  }
  if (understood !== 2) throw new Error(`expected to understand 2 profile/type rules, understood ${understood}: the rules' form changed`);
  return allowed;
}

test('the CRD rules and the catalogue agree on which types each profile has', (t) => {
  t.is(rules.filter((r) => r.includes('c.profile')).length, 2, 'both rules found');
  const profiles = Object.keys(PROFILES) as ProfileName[];
  t.deepEqual([...profiles].sort(), [...crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.profile.enum].sort());
  for (const profile of profiles) {
    for (const type of COMPONENT_TYPES_IN_ORDER) {
      t.is(crdAllows(type, profile), !isUnsupported(catalogueEntry(profile, type)), `${profile}/${type}`);
    }
  }
  t.deepEqual([...COMPONENT_TYPES_IN_ORDER].sort(), [...schema.properties.spec.properties.components.items.properties.type.enum].sort());
});
