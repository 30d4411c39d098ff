/**
 * Reading customer CSV files: {@link readCustomerRows} streams validated rows out of an uploaded
 * file in constant memory, and {@link CsvFormatError} says why a file cannot be read at all.
 *
 * A library of its own, not part of `@enrich/activities`, so that the API gateway can check an
 * upload's header with the very reader that stages it, without the activity runtime.
 *
 * @module
 */
export { readCustomerRows, CsvFormatError, type CsvRow, type ReadOptions } from './read-customers';
