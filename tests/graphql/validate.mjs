// Validates every GraphQL document the action sends against GitHub's public schema (@octokit/graphql-schema),
// and optionally the fake's answers to them: prints one line per document, exits 1 on the first invalid one.
//   node validate.mjs --deps <folder with node_modules> [--answers <answers.json>] <documents folder>...
// An answers file is a list of {query, operationName, variables, answer} the fake gave, every object in the
// answer tagged with its type in "__fake_typename": each is executed against the schema with the answer as the
// data source, so a variable of the wrong type, a null where the schema says non-null, a scalar or enum value of
// the wrong kind, or an object of a type the field cannot return is reported.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const depsAt = args.indexOf('--deps');
const deps = depsAt >= 0 ? args.splice(depsAt, 2)[1] : process.cwd();
const answersAt = args.indexOf('--answers');
const answersFile = answersAt >= 0 ? args.splice(answersAt, 2)[1] : null;
const require = createRequire(resolve(deps, 'node_modules', 'x.js'));
const { buildClientSchema, parse, validate, execute, isAbstractType } = require('graphql');
// The package ships GitHub's introspection result beside its (ESM-only) entry point: read it as a file.
// (Its SDL twin repeats two enterprise fields, which graphql refuses to build; the introspection does not.)
const introspection = JSON.parse(readFileSync(join(deps, 'node_modules', '@octokit', 'graphql-schema', 'schema.json'), 'utf8'));
const github = buildClientSchema(introspection.data ?? introspection);

let failed = false;
for (const folder of args) {
  for (const file of readdirSync(folder).filter(f => f.endsWith('.graphql')).sort()) {
    const text = readFileSync(join(folder, file), 'utf8');
    let errors;
    try {
      errors = validate(github, parse(text));
    } catch (e) {
      errors = [e];
    }
    if (errors.length === 0) {
      console.log(`valid   ${file}`);
    } else {
      failed = true;
      for (const e of errors) console.log(`INVALID ${file}: ${e.message}`);
    }
  }
}
if (answersFile) {
  const answers = JSON.parse(readFileSync(answersFile, 'utf8'));
  // The fake's data, read back through the schema: each field is what the answer holds under its alias (or
  // the error the fake reported there), an abstract type is the type the fake tagged.
  const fieldResolver = (source, _args, _context, info) => {
    const key = info.path.key;
    if (source && typeof source === 'object' && key in source) return source[key];
    throw new Error(`the answer has no '${key}' where ${info.parentType.name}.${info.fieldName} was selected`);
  };
  const typeResolver = (value, _context, info, abstract) => {
    const name = value?.__fake_typename;
    if (!name) throw new Error(`an object returned as ${abstract.name} carries no type tag`);
    return name;
  };
  for (const [i, { query, operationName, variables, answer }] of answers.entries()) {
    const label = `answer ${i + 1} (${operationName ?? 'anonymous'})`;
    const document = parse(query);
    const problems = validate(github, document).map(e => e.message);
    if (problems.length === 0) {
      const errored = new Set((answer.errors ?? []).map(e => JSON.stringify(e.path ?? [])));
      const result = await execute({
        schema: github, document, operationName, variableValues: variables ?? {},
        rootValue: answer.data ?? {}, fieldResolver, typeResolver,
      });
      for (const e of result.errors ?? []) {
        // A field the fake itself answered with an error (STALE_DATA, NOT_FOUND) is null by design.
        if (!errored.has(JSON.stringify(e.path ?? []))) problems.push(`${(e.path ?? []).join('.')}: ${e.message}`);
      }
    }
    if (problems.length === 0) {
      console.log(`valid   ${label}`);
    } else {
      failed = true;
      for (const p of problems) console.log(`INVALID ${label}: ${p}`);
    }
  }
}
process.exit(failed ? 1 : 0);
