import { Args, Context, Field, ID, InputType, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { UPLOAD_FILES, uploadCost, type UploadFilesResult } from '@quarry/ingest';
import { LiveQueryService } from '@quarry/live';
import { withoutNulls, type GraphqlContext } from './graphql.context';
import { executeAsJob } from './job-progress';

@InputType('FileUploadInput', { description: 'A file sent for server-side extraction.' })
export class FileUploadInputType {
  @Field({ description: 'file name; its extension and content decide the extraction' })
  name!: string;

  @Field({ description: 'its bytes in base64, at most 10 MB decoded' })
  contentBase64!: string;
}

@ObjectType('UploadedFile', { description: 'What became of one uploaded file.' })
export class UploadedFileType {
  @Field()
  name!: string;

  @Field(() => ID, { nullable: true, description: 'the document it became' })
  id?: string;

  @Field({ description: 'created, updated, unchanged, failed or skipped' })
  status!: string;

  @Field({ nullable: true, description: 'the extraction used (pdf, docx, html, markdown, text, ...)' })
  format?: string;

  @Field(() => Int, { nullable: true })
  chunks?: number;

  @Field({ nullable: true, description: 'why it failed or was skipped' })
  reason?: string;
}

@ObjectType('UploadResult')
export class UploadResultType {
  @Field(() => [UploadedFileType], { description: 'one per file, in order' })
  items!: UploadedFileType[];

  @Field(() => Int) indexed!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) skipped!: number;
  @Field(() => Int) tookMs!: number;
}

/** `uploadFiles`: the `upload_files` operation (extraction as `quarry ingest` does it, on the server). */
@Resolver()
export class UploadResolver {
  constructor(private readonly live: LiveQueryService) {}

  @Mutation(() => UploadResultType, {
    description:
      'Upload files (PDF, DOCX, PPTX, XLSX, OpenDocument, EPUB, HTML, Markdown, text, ...; at most 20, 10 MB each): extracted on the server and indexed into the collection, ids `<collection>:<name>`. With a jobId, progress goes to `ingestProgress(jobId)`.',
    complexity: ({ args, childComplexity }) => uploadCost(args) + childComplexity,
  })
  async uploadFiles(
    @Args('collection') collection: string,
    @Args('files', { type: () => [FileUploadInputType] }) files: FileUploadInputType[],
    @Args('tags', { type: () => [String], nullable: true, description: 'tags of every document' })
    tags: string[] | undefined,
    @Args('wait', { nullable: true, description: 'answer once the documents are searchable' }) wait: boolean,
    @Args('jobId', { type: () => ID, nullable: true }) jobId: string | undefined,
    @Context() context: GraphqlContext,
  ): Promise<UploadFilesResult> {
    const args = withoutNulls({ collection, files: files.map((f) => ({ ...f })), tags, wait });
    return executeAsJob(this.live, context, UPLOAD_FILES, args, {
      jobId,
      total: files.length,
    });
  }
}
