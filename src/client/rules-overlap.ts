// Two rules collecting one org into the same place: the same bucket with the same prefix, or one
// prefix inside the other, would store every event twice under the outer prefix.
import type { RuleDefinition } from './rules';

/** One problem per overlapping pair, naming both rules, in the rules file's path format. */
export function overlappingDestinations(rules: readonly RuleDefinition[]): string[] {
  const problems: string[] = [];
  rules.forEach((later, j) => {
    rules.slice(0, j).forEach((earlier, i) => {
      const a = earlier.spec;
      const b = later.spec;
      if (a.connection.orgId !== b.connection.orgId || a.destination.bucket !== b.destination.bucket) return;
      const [pa, pb] = [a.destination.prefix, b.destination.prefix];
      if (!pa.startsWith(pb) && !pb.startsWith(pa)) return;
      const how = pa === pb ? 'the same prefix' : `one prefix inside the other (${pa.length < pb.length ? pa : pb} holds both)`;
      problems.push(
        `rules[${j}].destination: rules '${a.id}' (rules[${i}]) and '${b.id}' both collect org ${a.connection.orgId} into ` +
          `s3://${a.destination.bucket}/ with ${how}: s3://${a.destination.bucket}/${pa} and s3://${b.destination.bucket}/${pb}, ` +
          'so every event would be stored twice. Give them separate prefixes (neither inside the other), or remove one',
      );
    });
  });
  return problems;
}
