/**
 * Names of simulated users, derived from (index, seed) on demand: storing a million display names would cost more
 * than the rest of the directory together. A renamed user's name is kept apart (see directory-users.ts).
 */
import { mix32 } from './random.js';

/** Comma-separated so that the lists stay compact in source. */
const GIVEN_NAMES: readonly string[] = (
  'Adele,Alex,Amara,Ana,Anders,Ben,Chen,Chloé,Daniel,Diego,Elena,Emeka,Eva,Farah,Finn,Grace,Hana,' +
  'Henrik,Ines,Isaac,Jana,Jonas,Kai,Kofi,Lara,Leon,Li,Lucía,Mara,Mateo,Mei,Miriam,Nadia,Nils,Noah,Olga,' +
  'Omar,Paula,Pedro,Priya,Rafael,Rosa,Sami,Sara,Sofia,Tariq,Tomás,Uma,Victor,Wei,Yara,Yusuf,Zoë,Aiko,' +
  'Bruno,Carmen,Dmitri,Esther,Felix,Gita,Hugo,Ivana,Jamal,Katrin'
).split(',');

const SURNAMES: readonly string[] = (
  'Andersen,Baker,Bianchi,Costa,Dubois,Eriksson,Fischer,García,Haddad,Ivanova,Jensen,Kowalski,Larsen,' +
  'Müller,Nakamura,Okafor,Olsen,Patel,Quinn,Rossi,Schmidt,Silva,Tanaka,Uddin,Varga,Wagner,Wang,Xu,' +
  'Yilmaz,Zhang,Novak,Moreau,Lindqvist,Kim,Horvat,Gallagher,Fernández,Ekström,Dvořák,Chowdhury,Brennan,' +
  'Abebe,Mendes,Nguyen,Popescu,Romero,Sato,Torres,Van Dijk,Weber,Young,Zimmermann,Ali,Berg,Castro,Dahl,' +
  'Ebert,Fontaine,Gomez,Hansen,Ito,Jovanović,Kaur,López'
).split(',');

/** Partner domains guests come from. */
const GUEST_DOMAINS = ['fabrikam.com', 'northwindtraders.com', 'adventure-works.com', 'tailspintoys.com'] as const;

/** The simulated tenant's initial domain, as Entra ID gives every tenant one under onmicrosoft.com. */
export const TENANT_DOMAIN = 'simulator.onmicrosoft.com';

export interface UserNames {
  givenName: string;
  surname: string;
  userPrincipalName: string;
  mail: string;
}

function pick<T>(list: readonly T[], hash: number): T {
  return list[hash % list.length] as T;
}

/** Letters and digits only, for the local part of a UPN (Entra ID rejects most other characters there). */
function localPart(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/**
 * Given name, surname, UPN and mail of user `index`. The index in base 36 keeps UPNs unique however often a name
 * repeats. Guests have the `#EXT#` UPN Entra ID gives invited users, and their home mail.
 */
export function userNames(index: number, seed: number, guest: boolean): UserNames {
  const hash = mix32(index ^ mix32(seed ^ 0x2545f491));
  const givenName = pick(GIVEN_NAMES, hash & 0xffff);
  const surname = pick(SURNAMES, hash >>> 16);
  const local = `${localPart(givenName)}.${localPart(surname)}.${index.toString(36)}`;
  if (!guest) {
    const address = `${local}@${TENANT_DOMAIN}`;
    return { givenName, surname, userPrincipalName: address, mail: address };
  }
  const home = pick(GUEST_DOMAINS, hash >>> 8);
  return {
    givenName,
    surname,
    userPrincipalName: `${local}_${home}#EXT#@${TENANT_DOMAIN}`,
    mail: `${local}@${home}`,
  };
}
