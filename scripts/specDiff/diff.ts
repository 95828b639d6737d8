/**
 * The pure core: given two dereferenced OpenAPI documents, list how Box's official description
 * differs from our fragment for the operations in scope (operations.ts) and the schemas they use.
 */
import { DiffContext } from "./context";
import { compareOperations } from "./operations";
import { compareNamedSchema } from "./schemas";
import { isNode, type Difference } from "./types";

/**
 * Both arguments must already be dereferenced (see load.ts): schema names are recovered from
 * object identity, which only dereferencing provides. Neither document is modified.
 */
export function diffSpecs(fragmentDoc: unknown, officialDoc: unknown): Difference[] {
  if (!isNode(fragmentDoc) || !isNode(officialDoc)) throw new TypeError("diffSpecs expects two OpenAPI documents (objects)");
  const ctx = new DiffContext(fragmentDoc, officialDoc);
  compareOperations(ctx);
  // Comparing operations queued every component schema the fragment uses; comparing those can
  // queue more (their properties and allOf bases), so drain until nothing new turns up.
  for (let name = ctx.nextQueued(); name !== undefined; name = ctx.nextQueued()) {
    const fragment = ctx.schema("fragment", name);
    const official = ctx.schema("official", name);
    if (!fragment) continue; // queued names come from the fragment's own components
    if (official) compareNamedSchema(ctx, name, fragment, official);
    else ctx.report("removed", `schema ${name}`, "no longer defined by Box", ctx.documents(fragment));
  }
  return ctx.differences;
}
