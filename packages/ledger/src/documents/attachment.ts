// Attachment records: the SHA-256, media type, size and title of a file, and the documents it
// belongs to. The bytes are kept by nodes, never in blocks; the record lets anyone holding the
// bytes prove they are the ones the ledger names.

import { z } from 'zod';
import { DOCUMENT_LIMITS } from './limits.js';
import { documentRefField, identity, labelText, mediaTypeField, sha256Field, uniqueArray } from './schema-kit.js';

export const attachmentSchema = z.strictObject({
  sha256: sha256Field,
  mediaType: mediaTypeField,
  sizeBytes: z.number().int().min(1).max(DOCUMENT_LIMITS.attachmentMaxBytes),
  title: labelText,
  belongsTo: uniqueArray(documentRefField, 0, DOCUMENT_LIMITS.documentsPerAttachment, identity, 'document'),
});
export type Attachment = z.output<typeof attachmentSchema>;
