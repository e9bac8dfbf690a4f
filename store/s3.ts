export { s3Client, ensureBucket } from '../stack/services';
