// The backstop behind the API: every function doc written to `functions`,
// by whatever client, must satisfy src/schemas/function.json (the same schema
// the API validates with) and carry its owner.
import validateFunction from 'couchfn:function-validator';

function fieldOf(error: { instancePath: string; keyword: string; params: any }): string {
  var path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'required') path = (path ? path + '.' : '') + error.params.missingProperty;
  return path || '(document)';
}

// A published version: its function's, its owner's, and never changed.
function validateVersion(newDoc: any, oldDoc: any): void {
  if (oldDoc && !oldDoc._deleted) throw { forbidden: 'version: immutable: a published version cannot change; publish a new one' };
  var fields = ['pvt_account_id', 'pvt_function_id', 'version', 'function_js'];
  for (var i = 0; i < fields.length; i++) {
    if (typeof newDoc[fields[i]] !== 'string' || newDoc[fields[i]] === '') throw { forbidden: fields[i] + ': required: a version needs it' };
  }
  if (newDoc._id !== 'version:' + newDoc.pvt_function_id + ':' + newDoc.version) {
    throw { forbidden: '_id: invalid: a version is stored as version:{function id}:{version}' };
  }
}

export default function validate(newDoc: any, oldDoc: any): void {
  // CouchDB itself keeps design documents to admins
  if (newDoc._deleted || newDoc._id.indexOf('_design/') === 0) return;
  if (newDoc.pvt_type === 'function_version') return validateVersion(newDoc, oldDoc);
  if (newDoc.pvt_type !== 'function') throw { forbidden: 'pvt_type: enum: must be "function"' };
  if (typeof newDoc.pvt_account_id !== 'string' || newDoc.pvt_account_id === '') {
    throw { forbidden: 'pvt_account_id: required: the owning account is missing' };
  }
  if (oldDoc && !oldDoc._deleted && oldDoc.pvt_account_id !== newDoc.pvt_account_id) {
    throw { forbidden: 'pvt_account_id: invalid: a function cannot change account' };
  }
  if (!validateFunction(newDoc)) {
    var error = (validateFunction.errors || [])[0];
    throw { forbidden: fieldOf(error) + ': ' + error.keyword + ': ' + (error.message || 'is invalid') };
  }
}
